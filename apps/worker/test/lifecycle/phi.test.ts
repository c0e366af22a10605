import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getCall } from "../helpers/calls";
import { api, json } from "../helpers/http";
import { patchTenant } from "../helpers/tenants";
import { archiveOf, archiveText, DAY, deletePatient, rows, runUntilDone, tenantWithHistory } from "../helpers/lifecycle";

function fileKeys(message: Record<string, any>): string[] {
  return (JSON.parse(message.files ?? "[]") as { key: string }[]).map((f) => f.key);
}

describe("PHI retention", () => {
  it("purges transcripts, reports, message bodies and attachments (R2 too) past the tenant's PHI retention, keeping the rest", async () => {
    const t = await tenantWithHistory();
    await patchTenant(t.tenantId, { phiRetentionDays: 30 });
    const [file] = fileKeys(t.message);
    expect(await env.FILES.head(file!)).not.toBeNull();
    expect(t.before.final_report).not.toBeNull();

    expect((await runUntilDone(t.tenantId, Date.now() + 29 * DAY)).phiPurged).toBe(0);
    const moved = await runUntilDone(t.tenantId, Date.now() + 31 * DAY);
    expect(moved.phiPurged).toBeGreaterThanOrEqual(2);
    expect(moved.archived).toBe(0);

    const [callRow] = await rows(`SELECT transcript, final_report, status, phone_number FROM calls WHERE id = ?`, t.ended);
    expect(callRow).toMatchObject({ transcript: null, final_report: null, status: "completed", phone_number: t.patient.phone_number });
    const [message] = await rows(`SELECT content, files, status FROM messages WHERE id = ?`, t.messageId);
    expect(message).toMatchObject({ content: null, files: null });
    expect(await env.FILES.head(file!)).toBeNull();
    const read = await getCall(t.key, t.ended);
    expect(read.final_report).toBeNull();
    expect(read.status).toBe(t.before.status);
  });

  it("strips PHI from archive objects once their day passes the PHI retention", async () => {
    const t = await tenantWithHistory();
    await patchTenant(t.tenantId, { hotWindowDays: 7, phiRetentionDays: 30 });
    await runUntilDone(t.tenantId, Date.now() + 8 * DAY);
    const archived = await archiveOf(t.tenantId);
    expect(archived.get(`call:${t.ended}`)?.row.final_report).not.toBeNull();
    expect(archived.get(`message:${t.messageId}`)?.row.content).toBe("Your lab results are ready");

    await runUntilDone(t.tenantId, Date.now() + 31 * DAY);
    const purged = await archiveOf(t.tenantId);
    expect(purged.get(`call:${t.ended}`)?.row).toMatchObject({ final_report: null, transcript: null, status: "completed" });
    expect(purged.get(`message:${t.messageId}`)?.row).toMatchObject({ content: null, files: null });
    expect(await archiveText(t.tenantId)).not.toContain("lab results");
    expect(await env.FILES.head(fileKeys(t.message)[0]!)).toBeNull();
    expect((await rows(`SELECT phi_purged_at FROM archive_days WHERE tenant_id = ?`, t.tenantId))[0]!.phi_purged_at).not.toBeNull();
    expect((await getCall(t.key, t.ended)).final_report).toBeNull();
  });
});

describe("deleting a patient erases their PHI everywhere", () => {
  it("refuses while one of their calls has not ended (409 envelope)", async () => {
    const t = await tenantWithHistory();
    const res = await deletePatient(t.key, t.patient.patient_id);
    expect(res.status).toBe(409);
    expect((await json(res)).error.message).toMatch(/not ended/);
    expect(await rows(`SELECT id FROM patients WHERE id = ?`, t.patient.patient_id)).toHaveLength(1);
  });

  it("erases calls, messages and attachments in D1 and R2, archive objects included, with an audit row that names no PHI", async () => {
    const t = await tenantWithHistory();
    // Archive the ended call and the text first, then end the live call so the patient can go.
    await runUntilDone(t.tenantId, Date.now() + 91 * DAY);
    expect(await archiveText(t.tenantId)).toContain(t.patient.phone_number);
    await api(`/api/v1/calls/${t.live}`, { method: "DELETE", key: t.key });
    const { playCall } = await import("../helpers/objects");
    await playCall(t.live);

    const res = await deletePatient(t.key, t.patient.patient_id);
    expect(res.status).toBe(200);
    // D1 at once: the live call's row and the patient.
    expect(await rows(`SELECT id FROM patients WHERE id = ?`, t.patient.patient_id)).toEqual([]);
    expect((await rows(`SELECT phone_number, transcript, final_report, client_metadata FROM calls WHERE id = ?`, t.live))[0]).toEqual({
      phone_number: "", transcript: null, final_report: null, client_metadata: null,
    });
    expect(await rows(`SELECT patient_id FROM patient_erasures WHERE tenant_id = ?`, t.tenantId)).toEqual([{ patient_id: t.patient.patient_id }]);

    // The archive (and the archived text's attachment) on the next lifecycle run.
    expect((await runUntilDone(t.tenantId, Date.now())).erased).toBe(1);
    expect(await env.FILES.head(fileKeys(t.message)[0]!)).toBeNull();
    const text = await archiveText(t.tenantId);
    for (const phi of [t.patient.phone_number, "lab results", "A-1", t.patient.first_name]) expect(text).not.toContain(phi);
    const archived = await archiveOf(t.tenantId);
    expect(archived.get(`call:${t.ended}`)?.row).toMatchObject({ phone_number: "", final_report: null, client_metadata: null, status: "completed" });
    expect(archived.get(`message:${t.messageId}`)?.row).toMatchObject({ content: null, files: null, to_number: null });
    expect(await rows(`SELECT * FROM patient_erasures WHERE tenant_id = ?`, t.tenantId)).toEqual([]);
    // The archived call still reads, without PHI.
    const read = await getCall(t.key, t.ended);
    expect(read).toMatchObject({ id: t.ended, phone_number: "", patient: null, final_report: null });

    // The audit row: ids and counts only.
    const audit = await rows(`SELECT * FROM audit_events WHERE tenant_id = ? AND action = 'patient.deleted'`, t.tenantId);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ object_id: t.patient.patient_id });
    // The text had already left D1 for the archive: its erasure is counted among the archived days.
    expect(JSON.parse(audit[0]!.detail)).toEqual({ erased: { calls: 1, messages: 0, files: 0, archivedDays: 1 } });
    const all = JSON.stringify(await rows(`SELECT * FROM audit_events WHERE tenant_id = ?`, t.tenantId));
    for (const phi of [t.patient.phone_number, t.patient.first_name, t.patient.last_name, "lab results"]) expect(all).not.toContain(phi);
  });

  it("leaves other patients' data alone", async () => {
    const a = await tenantWithHistory();
    const b = await tenantWithHistory();
    await api(`/api/v1/calls/${a.live}`, { method: "DELETE", key: a.key });
    const { playCall } = await import("../helpers/objects");
    await playCall(a.live);
    expect((await deletePatient(a.key, a.patient.patient_id)).status).toBe(200);
    expect((await getCall(b.key, b.ended)).final_report).not.toBeNull();
    expect((await rows(`SELECT content FROM messages WHERE id = ?`, b.messageId))[0]!.content).toBe("Your lab results are ready");
    expect(await env.FILES.head(fileKeys(b.message)[0]!)).not.toBeNull();
  });
});
