import { TERMINAL_STATUSES } from "@switchboard/schemas";
import { auditStatements } from "../audit/record";
import { DomainError } from "../errors";
import { EVENT_PHI_SQL, fileKeysOf } from "../lifecycle/archive-object";
import { deleteFiles } from "../lifecycle/phi";
import type { Scope } from "../scope";

export interface Erasure {
  patientId: string;
  calls: number;
  messages: number;
  files: number;
  /** Archive objects still to be rewritten by the cron (days that hold the patient's calls or messages). */
  archivedDays: number;
}

/**
 * Deletes a patient and erases their PHI: the patient row; on their calls the number, transcript,
 * report, client metadata and recording link; on their messages the text, numbers and attachments;
 * on their consent records the number and evidence; their contact counters
 * (R2 first, so a failure never leaves a file without the row that points at it). Archive objects
 * holding their calls or messages are queued for rewriting (`patient_erasures`), which the cron
 * does. Refused while one of their calls is still under way. Null when the patient is unknown.
 * Recorded (`patient.deleted`, ids and counts only) in the batch that deletes the patient.
 */
export async function erasePatient(scope: Pick<Scope, "db" | "env" | "tenantId" | "actor" | "requestId">, patientId: string): Promise<Erasure | null> {
  const d1 = scope.db.$client;
  const { tenantId } = scope;
  // Messages by their chat's index: `+tenant_id` keeps the planner off the tenant's (every message of the tenant's).
  const [patient, calls, chat, archived] = await d1.batch<{ id?: string; n?: number; live?: number }>([
    d1.prepare(`SELECT id FROM patients WHERE id = ? AND tenant_id = ?`).bind(patientId, tenantId),
    d1.prepare(`SELECT COUNT(*) AS n, COALESCE(SUM(status NOT IN (SELECT value FROM json_each(?3))), 0) AS live FROM calls WHERE tenant_id = ?1 AND patient_id = ?2`)
      .bind(tenantId, patientId, JSON.stringify(TERMINAL_STATUSES)),
    d1.prepare(`SELECT c.id, (SELECT COUNT(*) FROM messages m WHERE +m.tenant_id = c.tenant_id AND m.chat_id = c.id) AS n FROM chats c WHERE c.tenant_id = ? AND c.patient_id = ?`)
      .bind(tenantId, patientId),
    d1.prepare(`SELECT COUNT(*) AS n FROM archive_patient_days WHERE tenant_id = ? AND patient_id = ?`).bind(tenantId, patientId),
  ]);
  if (!patient!.results[0]) return null;
  if ((calls!.results[0]?.live ?? 0) > 0) {
    throw new DomainError("PATIENT_HAS_LIVE_CALLS", "The patient has calls that have not ended: hang them up (or let them end) before deleting the patient");
  }
  const chatId = chat!.results[0]?.id ?? null;

  let fileKeys: string[] = [];
  if (chatId) {
    const withFiles = await d1
      .prepare(`SELECT files FROM messages WHERE +tenant_id = ? AND chat_id = ? AND files IS NOT NULL`)
      .bind(tenantId, chatId)
      .all<{ files: string }>();
    fileKeys = withFiles.results.flatMap((m) => fileKeysOf(m));
    await deleteFiles(scope.env.FILES, fileKeys);
  }
  const archivedDays = archived!.results[0]?.n ?? 0;
  const erased = { calls: calls!.results[0]?.n ?? 0, messages: chat!.results[0]?.n ?? 0, files: fileKeys.length, archivedDays };
  const [deleted] = await d1.batch([
    d1.prepare(`DELETE FROM patients WHERE id = ? AND tenant_id = ?`).bind(patientId, tenantId),
    // Right after the delete: recorded only if it deleted the patient; with it, or neither.
    ...auditStatements(d1, scope, "patient.deleted", patientId, { erased }, { onlyIfChanged: true }),
    d1.prepare(
      // calls.patient is NULL already (the patients delete trigger): said again so this list is whole.
      `UPDATE calls SET phone_number = '', transcript = NULL, final_report = NULL, client_metadata = NULL, recording_url = NULL, patient = NULL
        WHERE tenant_id = ? AND patient_id = ?`,
    ).bind(tenantId, patientId),
    d1.prepare(`UPDATE messages SET content = NULL, files = NULL, to_number = NULL, from_number = NULL WHERE +tenant_id = ? AND chat_id = ?`)
      .bind(tenantId, chatId),
    // Their consent records lose the number and the evidence (the record that consent was given and
    // withdrawn stays); their contact counters go. Opt-outs and do-not-call entries stay: they are
    // about the number, and the law wants it never contacted again.
    d1.prepare(`UPDATE consent_records SET phone_number = '', evidence = '' WHERE tenant_id = ? AND patient_id = ?`).bind(tenantId, patientId),
    d1.prepare(`DELETE FROM contact_counters WHERE tenant_id = ? AND patient_id = ?`).bind(tenantId, patientId),
    // Their texts as the tenant's webhooks were told of them (kept for replays).
    d1.prepare(
      `UPDATE webhook_events SET payload = ${EVENT_PHI_SQL}
        WHERE tenant_id = ? AND type = 'message.received' AND json_extract(payload, '$.data.patient_id') = ?`,
    ).bind(tenantId, patientId),
    d1.prepare(
      `INSERT INTO patient_erasures (tenant_id, patient_id, chat_id, requested_at) SELECT ?1, ?2, ?3, ?4
        WHERE EXISTS (SELECT 1 FROM archive_patient_days WHERE tenant_id = ?1 AND patient_id = ?2)
       ON CONFLICT (patient_id) DO NOTHING`,
    ).bind(tenantId, patientId, chatId, Date.now()),
  ]);
  // Deleted meanwhile by another request: that one erased and recorded it.
  if (!deleted?.meta.changes) return null;
  return { patientId, ...erased };
}
