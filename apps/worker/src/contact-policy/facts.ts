import { RecentContact, type ConsentRecord, type UsStateCode } from "@switchboard/schemas";

/**
 * What the policy needs to know about one patient, read from D1 before each decision: where they
 * are, whether their number opted out or is on the tenant's do-not-call list, the consent ledger's
 * grants for that number, and their contact counters (one row, `contact_counters`).
 */
export interface PatientFacts {
  patientId: string;
  phoneNumber: string | null;
  timeZone: string | null;
  state: UsStateCode | null;
  optedOut: boolean;
  onDoNotCallList: boolean;
  consent: ConsentRecord[];
  /** Null: no contact recorded yet (no counters row). */
  counters: Counters | null;
}

export interface Counters {
  recent: RecentContact[];
  version: number;
}

/** The facts columns as SQL reads them (see FACTS_COLUMNS). */
export interface FactsRow {
  opted_out: number;
  on_dnc: number;
  consent: string | null;
}

/**
 * The per-patient facts as correlated subqueries, for a query whose patient is `p` (id, tenant,
 * number) — or, for a call, whose number is `<number>`: the number dialed, which may be older than
 * the patient's current one. Each is an index lookup (opt_outs by number, do_not_call by its key,
 * consent_records by patient and number).
 */
export function factsColumns(t: { tenant: string; patient: string; number: string }): string {
  return `EXISTS (SELECT 1 FROM opt_outs o WHERE o.tenant_id = ${t.tenant} AND o.phone_number = ${t.number} AND o.opted_in_at IS NULL) AS opted_out,
    EXISTS (SELECT 1 FROM do_not_call d WHERE d.tenant_id = ${t.tenant} AND d.phone_number = ${t.number}) AS on_dnc,
    (SELECT json_group_array(json_object('basis', r.basis, 'source', r.source, 'evidence', '', 'at', r.given_at, 'scope', json(r.scope)))
       FROM consent_records r WHERE r.tenant_id = ${t.tenant} AND r.patient_id = ${t.patient} AND r.phone_number = ${t.number}
        AND r.withdrawn_at IS NULL) AS consent`;
}

/**
 * Facts of many patients of a tenant in one statement (`?1` tenant, `?2` a JSON array of patient
 * ids), their counters joined by primary key: D1 reads one row more per patient for them (the
 * bench measures it against the same statement without the join).
 * `+p.tenant_id` keeps the tenant test off the index: without table statistics SQLite's planner
 * takes `tenant_id = ?` as the narrower choice and walks every patient of the tenant's.
 */
export function patientFactsSql(options: { counters: boolean } = { counters: true }): string {
  // The names, birth date and email are not facts: the create request copies them onto each call (calls.patient).
  return `SELECT p.id AS patient_id, p.phone_number, p.timezone, p.state, p.first_name, p.last_name, p.birth_date, p.email,
    ${factsColumns({ tenant: "p.tenant_id", patient: "p.id", number: "p.phone_number" })}
    ${options.counters ? ", cc.recent AS counters_recent, cc.version AS counters_version" : ""}
  FROM patients p
  ${options.counters ? "LEFT JOIN contact_counters cc ON cc.tenant_id = p.tenant_id AND cc.patient_id = p.id" : ""}
  WHERE +p.tenant_id = ?1 AND p.id IN (SELECT value FROM json_each(?2))`;
}
export const PATIENT_FACTS_SQL = patientFactsSql();

export interface PatientFactsRow extends FactsRow {
  patient_id: string;
  phone_number: string | null;
  /** Read by patientFactsSql only (for the call's embedded patient). */
  first_name?: string;
  last_name?: string;
  birth_date?: string | null;
  email?: string | null;
  timezone: string | null;
  state: string | null;
  counters_recent?: string | null;
  counters_version?: number | null;
}

export function parseConsent(json: string | null): ConsentRecord[] {
  if (!json) return [];
  try {
    return (JSON.parse(json) as ConsentRecord[]).filter((r) => r && typeof r.at === "number");
  } catch {
    return [];
  }
}

/** A stored counters row; entries that do not parse are dropped (we wrote them, so none should). */
export function parseCounters(row: { recent: string | null; version: number | null } | null | undefined): Counters | null {
  if (!row || row.recent === null || row.version === null) return null;
  let entries: unknown[] = [];
  try {
    entries = JSON.parse(row.recent) as unknown[];
  } catch {
    entries = [];
  }
  const recent = entries.flatMap((entry) => {
    const parsed = RecentContact.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
  return { recent, version: row.version };
}

export function factsFrom(row: PatientFactsRow, counters: Counters | null): PatientFacts {
  return {
    patientId: row.patient_id,
    phoneNumber: row.phone_number,
    timeZone: row.timezone,
    state: row.state as UsStateCode | null,
    optedOut: row.opted_out === 1,
    onDoNotCallList: row.on_dnc === 1,
    consent: parseConsent(row.consent),
    counters,
  };
}

export function factsByPatient(rows: readonly PatientFactsRow[]): Map<string, PatientFacts> {
  return new Map(rows.map((row) => [row.patient_id, factsFrom(row, parseCounters({ recent: row.counters_recent ?? null, version: row.counters_version ?? null }))]));
}
