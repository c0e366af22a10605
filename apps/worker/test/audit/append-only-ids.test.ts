import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createExport, exportKey } from "../../src/lifecycle/exports";
import { BASE } from "../helpers/http";
import { archiveOf, DAY, othersActLater, rows, runUntilDone, today } from "../helpers/lifecycle";
import { createTenant } from "../helpers/tenants";

/*
 * audit_events has a plain INTEGER PRIMARY KEY (no AUTOINCREMENT): SQLite gives max(id) + 1. The
 * table's newest row never leaves (a trigger refuses it, and the archive leaves it), so max(id)
 * never goes down and no id is ever given twice; the trail stays append-only.
 */

const auditIds = async (tenantId: string) => (await rows(`SELECT id FROM audit_events WHERE tenant_id = ? ORDER BY id`, tenantId)).map((r) => r.id as number);
const maxId = async () => (await rows(`SELECT max(id) AS id FROM audit_events`))[0]!.id as number;

async function exportedAuditIds(tenantId: string) {
  const day = today();
  const result = await createExport({ d1: env.DB, bucket: env.FILES, signingSecret: "a-test-signing-secret-of-32-chars-or-more", baseUrl: BASE }, tenantId, { from: day, to: day });
  const object = await env.FILES.get(exportKey(tenantId, result.id));
  const text = await new Response(object!.body.pipeThrough(new DecompressionStream("gzip"))).text();
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.kind === "audit_event").map((r) => Number(r.id));
}

describe("audit ids are never given twice", () => {
  it("the table has no AUTOINCREMENT, and its triggers still refuse edits and unarchived deletes", async () => {
    const [table] = await rows(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'audit_events'`);
    expect(table!.sql).not.toMatch(/AUTOINCREMENT/i);
    const t = await createTenant();
    const [first] = await auditIds(t.id);
    await expect(env.DB.prepare(`UPDATE audit_events SET action = 'x' WHERE id = ?`).bind(first).run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare(`DELETE FROM audit_events WHERE id = ?`).bind(first).run()).rejects.toThrow(/only archived rows may leave/);
  });

  it("the newest row never leaves, even when the archive says it holds it", async () => {
    const t = await createTenant();
    const newest = await maxId();
    expect((await auditIds(t.id)).at(-1)).toBe(newest);
    await env.DB.prepare(`INSERT INTO archive_days (tenant_id, day, key, records, audit_through_id, updated_at) VALUES (?, ?, 'k', 0, ?, 0)`)
      .bind(t.id, today(), newest)
      .run();
    await expect(env.DB.prepare(`DELETE FROM audit_events WHERE id = ?`).bind(newest).run()).rejects.toThrow(/keeps its newest row/);
    // Nor in a statement that deletes it along with older rows: the whole statement is refused.
    await expect(env.DB.prepare(`DELETE FROM audit_events WHERE tenant_id = ?`).bind(t.id).run()).rejects.toThrow(/keeps its newest row/);
    expect(await auditIds(t.id)).toHaveLength(2);
  });

  it("the archive leaves the table's newest row until a newer one exists, then moves it; exports list every row once; new ids keep rising", async () => {
    const t = await createTenant();
    const ids = await auditIds(t.id);
    expect(ids.at(-1)).toBe(await maxId());
    const later = Date.now() + 91 * DAY;

    await runUntilDone(t.id, later);
    // All but the newest went to R2; the newest is still in D1.
    expect(await auditIds(t.id)).toEqual([ids.at(-1)]);
    const archive = await archiveOf(t.id);
    expect(ids.slice(0, -1).every((id) => archive.has(`audit_event:${id}`))).toBe(true);
    expect(archive.has(`audit_event:${ids.at(-1)}`)).toBe(false);
    expect((await rows(`SELECT audit_through_id FROM archive_days WHERE tenant_id = ?`, t.id))[0]!.audit_through_id).toBe(ids.at(-2));
    // An export finds each row once: in R2 or in D1.
    expect((await exportedAuditIds(t.id)).sort((a, b) => a - b)).toEqual(ids);

    await othersActLater();
    await runUntilDone(t.id, later);
    expect(await auditIds(t.id)).toEqual([]);
    expect((await archiveOf(t.id)).has(`audit_event:${ids.at(-1)}`)).toBe(true);
    expect((await exportedAuditIds(t.id)).sort((a, b) => a - b)).toEqual(ids);

    // The next row's id is above every id the table ever gave.
    const newest = await maxId();
    const next = await createTenant();
    expect(Math.min(...(await auditIds(next.id)))).toBe(newest + 1);
  });
});
