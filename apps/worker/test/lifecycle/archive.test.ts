import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { archiveKey } from "../../src/lifecycle/archive-object";
import { call } from "../helpers/http";
import { ADMIN } from "../helpers/http";
import { getCall, getEvents } from "../helpers/calls";
import { patchTenant } from "../helpers/tenants";
import { archiveOf, DAY, rows, runUntilDone, tenantWithHistory, today } from "../helpers/lifecycle";

describe("archiving past the hot window", () => {
  it("leaves everything in D1 inside the hot window (default 90 days)", async () => {
    const t = await tenantWithHistory();
    const moved = await runUntilDone(t.tenantId, Date.now() + 89 * DAY);
    expect(moved.archived).toBe(0);
    expect(await rows(`SELECT id FROM calls WHERE id = ?`, t.ended)).toHaveLength(1);
    expect(await env.FILES.head(archiveKey(t.tenantId, today()))).toBeNull();
  });

  it("moves ended calls, their history, messages and audit rows to one gzipped NDJSON object per tenant and day, then out of D1", async () => {
    const t = await tenantWithHistory();
    const callRow = (await rows(`SELECT * FROM calls WHERE id = ?`, t.ended))[0]!;
    const events = await rows(`SELECT * FROM call_events WHERE call_id = ? ORDER BY seq`, t.ended);
    const audit = await rows(`SELECT * FROM audit_events WHERE tenant_id = ? ORDER BY id`, t.tenantId);
    expect(events.length).toBeGreaterThan(2);

    const moved = await runUntilDone(t.tenantId, Date.now() + 91 * DAY);
    expect(moved.archived).toBeGreaterThan(0);

    // Gone from D1, except the live call and the index row the archived call leaves behind.
    expect(await rows(`SELECT id FROM calls WHERE id = ?`, t.ended)).toEqual([]);
    expect(await rows(`SELECT id FROM call_events WHERE call_id = ?`, t.ended)).toEqual([]);
    expect(await rows(`SELECT id FROM messages WHERE id = ?`, t.messageId)).toEqual([]);
    expect(await rows(`SELECT id FROM audit_events WHERE tenant_id = ?`, t.tenantId)).toEqual([]);
    expect(await rows(`SELECT status FROM calls WHERE id = ?`, t.live)).toHaveLength(1);
    expect(await rows(`SELECT day FROM archived_calls WHERE tenant_id = ? AND call_id = ?`, t.tenantId, t.ended)).toEqual([{ day: today() }]);

    // In R2, exactly as they were stored.
    const archive = await archiveOf(t.tenantId);
    // All but the call's copy of its patient's details (calls.patient): an archived call shows its patient as they are now.
    expect(callRow.patient).toContain(t.patient.patient_id);
    expect(archive.get(`call:${t.ended}`)?.row).toEqual({ ...callRow, patient: null });
    expect(archive.has(`call:${t.live}`)).toBe(false);
    for (const e of events) expect(archive.get(`call_event:${e.id}`)?.row).toEqual(e);
    for (const a of audit) expect(archive.get(`audit_event:${a.id}`)?.row).toEqual(a);
    expect(archive.get(`message:${t.messageId}`)?.row).toEqual(t.message);
    const object = await env.FILES.head(archiveKey(t.tenantId, today()));
    expect(object?.httpMetadata?.contentEncoding).toBe("gzip");
    expect(object?.customMetadata?.records).toBe(String(archive.size));
    const day = (await rows(`SELECT * FROM archive_days WHERE tenant_id = ?`, t.tenantId))[0]!;
    expect(day).toMatchObject({ day: today(), records: archive.size, audit_through_id: audit.at(-1)!.id });
  });

  it("still answers GET /api/v1/calls/{id} and its events for an archived call, unchanged", async () => {
    const t = await tenantWithHistory();
    const eventsBefore = await getEvents(t.key, t.ended);
    await runUntilDone(t.tenantId, Date.now() + 91 * DAY);
    expect(await rows(`SELECT id FROM calls WHERE id = ?`, t.ended)).toEqual([]);
    expect(await getCall(t.key, t.ended)).toEqual(t.before);
    expect(await getEvents(t.key, t.ended)).toEqual(eventsBefore);
    // Another tenant cannot read it through the archive either.
    const other = await tenantWithHistory();
    const res = await call(`/api/v1/calls/${t.ended}`, { key: other.key });
    expect(res.status).toBe(404);
  });

  it("is idempotent: running again changes nothing, byte for byte", async () => {
    const t = await tenantWithHistory();
    await runUntilDone(t.tenantId, Date.now() + 91 * DAY);
    const first = await env.FILES.head(archiveKey(t.tenantId, today()));
    const again = await runUntilDone(t.tenantId, Date.now() + 91 * DAY);
    expect(again.archived).toBe(0);
    expect((await env.FILES.head(archiveKey(t.tenantId, today())))?.etag).toBe(first?.etag);
  });

  it("follows the tenant's own hot window, settable by the operator with validation", async () => {
    const t = await tenantWithHistory();
    for (const bad of [0, -1, 3651, 1.5, "7"]) {
      const res = await call(`/admin/tenants/${t.tenantId}`, { method: "PATCH", headers: ADMIN, json: { hotWindowDays: bad } });
      expect(res.status, String(bad)).toBe(400);
      expect(res.body.success).toBe(false);
    }
    expect(await patchTenant(t.tenantId, { hotWindowDays: 7, phiRetentionDays: 30 })).toMatchObject({ hotWindowDays: 7, phiRetentionDays: 30 });
    expect((await runUntilDone(t.tenantId, Date.now() + 6 * DAY)).archived).toBe(0);
    expect((await runUntilDone(t.tenantId, Date.now() + 8 * DAY)).archived).toBeGreaterThan(0);
    expect(await rows(`SELECT id FROM calls WHERE id = ?`, t.ended)).toEqual([]);
  });

  it("keeps the audit trail append-only: no row is edited, and none leaves D1 before the archive holds it", async () => {
    const t = await tenantWithHistory();
    const [first] = await rows(`SELECT id FROM audit_events WHERE tenant_id = ? ORDER BY id LIMIT 1`, t.tenantId);
    await expect(env.DB.prepare(`DELETE FROM audit_events WHERE id = ?`).bind(first!.id).run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare(`UPDATE audit_events SET action = 'x' WHERE id = ?`).bind(first!.id).run()).rejects.toThrow(/append-only/);
    await runUntilDone(t.tenantId, Date.now() + 91 * DAY);
    expect((await archiveOf(t.tenantId)).has(`audit_event:${first!.id}`)).toBe(true);
  });

  it("runs from the cron for every tenant", async () => {
    const t = await tenantWithHistory();
    const { fireCron } = await import("../helpers/objects");
    await fireCron(Date.now() + 91 * DAY);
    expect(await rows(`SELECT id FROM calls WHERE id = ?`, t.ended)).toEqual([]);
    expect((await archiveOf(t.tenantId)).has(`call:${t.ended}`)).toBe(true);
  });
});
