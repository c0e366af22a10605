import type { PolicyDecision } from "@switchboard/schemas";
import { claimContact, readCounters } from "./counters";
import { countsAsContact, decide, type Attempt } from "./decide";
import { factsColumns, factsFrom, parseCounters, type PatientFacts, type PatientFactsRow } from "./facts";
import type { TenantPolicy } from "./tenant";

/** Tries before giving up when other contacts keep landing between our read and our write. */
const CLAIM_TRIES = 3;

/**
 * The authoritative decision right before a contact is made, and the contact recorded if it is
 * allowed: decide from the facts read, then claim the contact in the counters by compare-and-set.
 * If another contact was recorded meanwhile, read the counters again and decide again, so the
 * caps hold however many attempts race. Simulator contacts are decided but not recorded.
 * `ref` names the contact (a text's id, a call's id and attempt) in the counters.
 */
export async function decideAndRecord(db: D1Database, tenantId: string, attempt: Attempt, facts: PatientFacts, tenant: TenantPolicy, ref: string): Promise<PolicyDecision> {
  let current = facts;
  for (let tries = 0; tries < CLAIM_TRIES; tries++) {
    // Already recorded (the same text handed over again after a provider failure): the same
    // contact, decided as if it were not there and not counted twice.
    if (current.counters?.recent.some((c) => c.ref === ref)) {
      return decide(attempt, { ...current, counters: { ...current.counters, recent: current.counters.recent.filter((c) => c.ref !== ref) } }, tenant);
    }
    const decision = decide(attempt, current, tenant);
    if (decision.kind !== "allow" || !countsAsContact(attempt.provider) || !current.patientId) return decision;
    const contact = { at: attempt.now, channel: attempt.channel, purpose: attempt.purpose, ...(attempt.subject ? { subject: attempt.subject } : {}), ref };
    if (await claimContact(db, tenantId, current.patientId, current.counters, contact, attempt.now)) return decision;
    current = { ...current, counters: await readCounters(db, tenantId, current.patientId) };
  }
  throw new Error("the patient's contact counters kept changing while deciding; the attempt will be tried again");
}

/** One patient's facts for a contact to `number` (the number being texted or dialed). */
export async function loadFactsForNumber(db: D1Database, tenantId: string, patientId: string, number: string): Promise<PatientFacts | null> {
  const row = await db
    .prepare(
      `SELECT p.id AS patient_id, ?3 AS phone_number, p.timezone, p.state,
              ${factsColumns({ tenant: "p.tenant_id", patient: "p.id", number: "?3" })},
              cc.recent AS counters_recent, cc.version AS counters_version
         FROM patients p LEFT JOIN contact_counters cc ON cc.tenant_id = p.tenant_id AND cc.patient_id = p.id
        WHERE p.tenant_id = ?1 AND p.id = ?2`,
    )
    .bind(tenantId, patientId, number)
    .first<PatientFactsRow & { counters_recent: string | null; counters_version: number | null }>();
  if (!row) return null;
  return factsFrom(row, parseCounters({ recent: row.counters_recent, version: row.counters_version }));
}
