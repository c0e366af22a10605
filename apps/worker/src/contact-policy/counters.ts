import { recordContact, type RecentContact } from "@switchboard/schemas";
import { parseCounters, type Counters } from "./facts";

/** The counters row of one patient, by its primary key (`?1` tenant, `?2` patient). */
export const COUNTERS_BY_PATIENT_SQL = "SELECT recent, version FROM contact_counters WHERE tenant_id = ?1 AND patient_id = ?2";
/** Recording a contact: compare-and-set on the version read (`?1` recent, `?2` now, `?3` tenant, `?4` patient, `?5` version). */
export const CLAIM_UPDATE_SQL = "UPDATE contact_counters SET recent = ?1, version = version + 1, updated_at = ?2 WHERE tenant_id = ?3 AND patient_id = ?4 AND version = ?5";

/**
 * Records a contact in the patient's counters row by compare-and-set on its version: the write
 * lands only if nobody recorded a contact since `seen` was read, so two attempts at once can never
 * both use the last room under a cap. Returns false when it lost (read again and decide again).
 * The row stays bounded: `recordContact` drops what no cap can see any more.
 */
export async function claimContact(db: D1Database, tenantId: string, patientId: string, seen: Counters | null, contact: RecentContact, now: number): Promise<boolean> {
  const recent = JSON.stringify(recordContact(seen?.recent ?? [], contact, now));
  const result = seen
    ? await db.prepare(CLAIM_UPDATE_SQL).bind(recent, now, tenantId, patientId, seen.version).run()
    : await db
        .prepare("INSERT INTO contact_counters (tenant_id, patient_id, recent, version, updated_at) VALUES (?, ?, ?, 1, ?) ON CONFLICT DO NOTHING")
        .bind(tenantId, patientId, recent, now)
        .run();
  return result.meta.changes === 1;
}

export async function readCounters(db: D1Database, tenantId: string, patientId: string): Promise<Counters | null> {
  const row = await db.prepare(COUNTERS_BY_PATIENT_SQL).bind(tenantId, patientId).first<{ recent: string; version: number }>();
  return parseCounters(row);
}

/**
 * Takes a contact back out of the counters: the attempt it recorded reached no one (every vendor
 * answered that it would not place the call). Compare-and-set like recording; a contact that is
 * not there (never recorded, or pruned) is left alone.
 */
export async function forgetContact(db: D1Database, tenantId: string, patientId: string, ref: string, now = Date.now()): Promise<void> {
  for (let tries = 0; tries < 3; tries++) {
    const counters = await readCounters(db, tenantId, patientId);
    if (!counters?.recent.some((c) => c.ref === ref)) return;
    const recent = JSON.stringify(counters.recent.filter((c) => c.ref !== ref));
    const result = await db.prepare(CLAIM_UPDATE_SQL).bind(recent, now, tenantId, patientId, counters.version).run();
    if (result.meta.changes === 1) return;
  }
}
