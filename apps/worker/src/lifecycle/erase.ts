import { withoutPhi, type ArchiveContents } from "./archive-object";
import type { LifecycleDeps } from "./archive";
import { PHI_STEP_DAYS, rewriteArchive } from "./phi";

/**
 * Cuts deleted patients' PHI out of the archive objects that hold their calls or messages
 * (`archive_patient_days`), a few days per step; the pending erasure ends when no day is left.
 * Returns the objects rewritten.
 */
export async function eraseArchivedStep(deps: LifecycleDeps, tenantId: string): Promise<number> {
  const { d1 } = deps;
  const pending = await d1
    .prepare(`SELECT patient_id, chat_id FROM patient_erasures WHERE tenant_id = ? ORDER BY requested_at LIMIT 5`)
    .bind(tenantId)
    .all<{ patient_id: string; chat_id: string | null }>();
  let rewritten = 0;
  for (const erasure of pending.results) {
    const days = await d1
      .prepare(
        `SELECT p.day, a.key FROM archive_patient_days p JOIN archive_days a ON a.tenant_id = p.tenant_id AND a.day = p.day
          WHERE p.tenant_id = ? AND p.patient_id = ? ORDER BY p.day LIMIT ?`,
      )
      .bind(tenantId, erasure.patient_id, PHI_STEP_DAYS)
      .all<{ day: string; key: string }>();
    for (const { day, key } of days.results) {
      await rewriteArchive(deps, key, (contents) => erased(contents, erasure.patient_id, erasure.chat_id));
      await d1.prepare(`DELETE FROM archive_patient_days WHERE tenant_id = ? AND patient_id = ? AND day = ?`).bind(tenantId, erasure.patient_id, day).run();
      rewritten++;
    }
    if (days.results.length < PHI_STEP_DAYS) {
      await d1.prepare(`DELETE FROM patient_erasures WHERE tenant_id = ? AND patient_id = ?`).bind(tenantId, erasure.patient_id).run();
    }
  }
  return rewritten;
}

function erased(contents: ArchiveContents, patientId: string, chatId: string | null): ArchiveContents {
  const out: ArchiveContents = new Map();
  for (const [key, record] of contents) {
    const theirs =
      (record.kind === "call" && record.row.patient_id === patientId) ||
      (record.kind === "message" && chatId !== null && record.row.chat_id === chatId) ||
      (record.kind === "webhook_event" && typeof record.row.payload === "string" && record.row.payload.includes(`"patient_id":"${patientId}"`));
    out.set(key, theirs ? withoutPhi(record, true) : record);
  }
  return out;
}
