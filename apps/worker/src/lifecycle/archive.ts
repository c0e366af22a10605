import { TERMINAL_STATUSES } from "@switchboard/schemas";
import {
  archiveKey,
  DAY_MS,
  dayOf,
  dayStart,
  readArchive,
  recordKey,
  verifyArchive,
  withoutPhi,
  writeArchive,
  type ArchiveBucket,
  type ArchiveKind,
  type ArchiveRecord,
  type ArchiveRow,
} from "./archive-object";

/** What the archiver works with: one shard's D1 and the bucket. Tests wrap either to inject faults. */
export interface LifecycleDeps {
  d1: D1Database;
  bucket: ArchiveBucket;
}

/** Rows of each kind (calls, messages, events, deliveries) one step moves; audit rows get five times as many. */
export const ARCHIVE_STEP_ROWS = 100;

export interface TenantRetention {
  hotWindowDays: number;
  phiRetentionDays: number | null;
}

export async function tenantRetention(d1: D1Database, tenantId: string): Promise<TenantRetention | null> {
  const row = await d1
    .prepare(`SELECT hot_window_days, phi_retention_days FROM tenants WHERE id = ?`)
    .bind(tenantId)
    .first<{ hot_window_days: number; phi_retention_days: number | null }>();
  return row ? { hotWindowDays: row.hot_window_days, phiRetentionDays: row.phi_retention_days } : null;
}

export function cutoffOf(now: number, days: number): number {
  return now - days * DAY_MS;
}

const TERMINAL = JSON.stringify(TERMINAL_STATUSES);

/**
 * The UTC day of the tenant's oldest row that is due to leave D1, or null when nothing is. Each
 * probe reads one row through an index.
 */
async function oldestDueDay(d1: D1Database, tenantId: string, cutoff: number): Promise<string | null> {
  const probes = await d1.batch<{ t: number | null }>([
    d1.prepare(
      `SELECT MIN(ended_at) AS t FROM calls WHERE tenant_id = ?1 AND ended_at < ?2 AND status IN (SELECT value FROM json_each(?3))`,
    ).bind(tenantId, cutoff, TERMINAL),
    d1.prepare(
      `SELECT MIN(m.created_at) AS t FROM messages m WHERE m.tenant_id = ?1 AND m.created_at < ?2
         AND NOT EXISTS (SELECT 1 FROM message_sends s WHERE s.message_id = m.id AND s.next_attempt_at IS NOT NULL)`,
    ).bind(tenantId, cutoff),
    d1.prepare(
      `SELECT MIN(created_at) AS t FROM webhook_deliveries
        WHERE endpoint_id IN (SELECT id FROM webhook_endpoints WHERE tenant_id = ?1) AND created_at < ?2 AND status <> 'pending'`,
    ).bind(tenantId, cutoff),
    d1.prepare(
      `SELECT MIN(e.created_at) AS t FROM webhook_events e WHERE e.tenant_id = ?1 AND e.created_at < ?2
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                          WHERE d.endpoint_id IN (SELECT id FROM webhook_endpoints WHERE tenant_id = ?1) AND d.event_id = e.id)`,
    ).bind(tenantId, cutoff),
    d1.prepare(`SELECT at AS t FROM (SELECT at FROM audit_events WHERE tenant_id = ?1 AND ${NOT_NEWEST} ORDER BY id LIMIT 1) WHERE at < ?2`).bind(tenantId, cutoff),
  ]);
  const times = probes.map((p) => p.results[0]?.t).filter((t): t is number => typeof t === "number");
  return times.length ? dayOf(Math.min(...times)) : null;
}

/**
 * The audit table's newest row (of any tenant) stays in D1 until a newer one exists: its id is
 * SQLite's next id minus one, and deleting it would let that id be given again (the table has no
 * AUTOINCREMENT; its trigger `audit_events_keep_newest` refuses the delete). One row read.
 */
const NOT_NEWEST = `id < (SELECT max(id) FROM audit_events)`;

const ids = (rows: ArchiveRow[], column = "id") => JSON.stringify(rows.map((r) => r[column]));

/** The rows of one tenant and day that one step moves, as archive records. */
async function collect(d1: D1Database, tenantId: string, from: number, to: number) {
  const n = ARCHIVE_STEP_ROWS;
  const [calls, messages, deliveries, events, audit] = await d1.batch<ArchiveRow>([
    d1.prepare(
      `SELECT * FROM calls WHERE tenant_id = ?1 AND ended_at >= ?2 AND ended_at < ?3 AND status IN (SELECT value FROM json_each(?4))
        ORDER BY ended_at, id LIMIT ?5`,
    ).bind(tenantId, from, to, TERMINAL, n),
    d1.prepare(
      `SELECT m.*, c.patient_id AS _patient_id FROM messages m LEFT JOIN chats c ON c.id = m.chat_id
        WHERE m.tenant_id = ?1 AND m.created_at >= ?2 AND m.created_at < ?3
          AND NOT EXISTS (SELECT 1 FROM message_sends s WHERE s.message_id = m.id AND s.next_attempt_at IS NOT NULL)
        ORDER BY m.created_at, m.id LIMIT ?4`,
    ).bind(tenantId, from, to, n),
    d1.prepare(
      `SELECT * FROM webhook_deliveries WHERE endpoint_id IN (SELECT id FROM webhook_endpoints WHERE tenant_id = ?1)
          AND created_at >= ?2 AND created_at < ?3 AND status <> 'pending'
        ORDER BY created_at, id LIMIT ?4`,
    ).bind(tenantId, from, to, n),
    d1.prepare(
      `SELECT * FROM webhook_events e WHERE e.tenant_id = ?1 AND e.created_at >= ?2 AND e.created_at < ?3
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                           WHERE d.endpoint_id IN (SELECT id FROM webhook_endpoints WHERE tenant_id = ?1) AND d.event_id = e.id)
        ORDER BY e.created_at, e.id LIMIT ?4`,
    ).bind(tenantId, from, to, n),
    // The lowest ids of the day: `audit_through_id` then covers exactly the rows archived.
    d1.prepare(`SELECT * FROM audit_events WHERE tenant_id = ?1 AND at >= ?2 AND at < ?3 AND ${NOT_NEWEST} ORDER BY id LIMIT ?4`).bind(tenantId, from, to, n * 5),
  ]).then((r) => r.map((x) => x.results));

  const [callEvents, callOptions, sends, sendAttempts, webhookAttempts] = await d1.batch<ArchiveRow>([
    d1.prepare(`SELECT * FROM call_events WHERE call_id IN (SELECT value FROM json_each(?1)) AND +tenant_id = ?2`).bind(ids(calls!), tenantId),
    d1.prepare(`SELECT * FROM call_options WHERE call_id IN (SELECT value FROM json_each(?1)) AND +tenant_id = ?2`).bind(ids(calls!), tenantId),
    d1.prepare(`SELECT * FROM message_sends WHERE message_id IN (SELECT value FROM json_each(?1))`).bind(ids(messages!)),
    d1.prepare(`SELECT * FROM message_send_attempts WHERE message_id IN (SELECT value FROM json_each(?1))`).bind(ids(messages!)),
    d1.prepare(`SELECT * FROM webhook_attempts WHERE delivery_id IN (SELECT value FROM json_each(?1))`).bind(ids(deliveries!)),
  ]).then((r) => r.map((x) => x.results));

  const patients = new Set<string>();
  const records: ArchiveRecord[] = [];
  const add = (kind: ArchiveKind, rows: ArchiveRow[], id: (r: ArchiveRow) => string) => {
    for (const row of rows) records.push({ kind, id: id(row), row });
  };
  // Without the call's copy of its patient's details (calls.patient): an archived call is shown with
  // its patient as they are now (their row in D1), so the object need not hold PHI that would go stale.
  add("call", calls!.map((r) => ({ ...r, patient: null })), (r) => String(r.id));
  add("call_event", callEvents!, (r) => String(r.id));
  add("call_option", callOptions!, (r) => String(r.call_id));
  for (const message of messages!) {
    const { _patient_id: patientId, ...row } = message;
    if (typeof patientId === "string") patients.add(patientId);
    records.push({ kind: "message", id: String(row.id), row });
  }
  add("message_send", sends!, (r) => String(r.message_id));
  add("message_send_attempt", sendAttempts!, (r) => `${r.message_id}:${r.attempt}`);
  add("webhook_delivery", deliveries!, (r) => String(r.id));
  add("webhook_attempt", webhookAttempts!, (r) => String(r.id));
  add("webhook_event", events!, (r) => String(r.id));
  add("audit_event", audit!, (r) => String(r.id));
  for (const call of calls!) if (typeof call.patient_id === "string") patients.add(call.patient_id);

  return { records, calls: calls!, messages: messages!, deliveries: deliveries!, events: events!, audit: audit!, patients: [...patients] };
}

export interface ArchiveStepResult {
  day: string | null;
  /** Rows that left D1 in this step. */
  moved: number;
}

/**
 * One bounded, idempotent step of a tenant's archive: the rows of its oldest due day (at most
 * `ARCHIVE_STEP_ROWS` of each kind) are merged into that day's R2 object, the object is read back
 * and checked, and only then are the rows deleted from D1, in one atomic batch that also records
 * what the object holds. A crash anywhere leaves every row in D1, in R2, or in both; the next step
 * merges the same rows again (same bytes) and finishes.
 */
export async function archiveStep(deps: LifecycleDeps, tenantId: string, now: number, retention: TenantRetention): Promise<ArchiveStepResult> {
  const cutoff = cutoffOf(now, retention.hotWindowDays);
  const day = await oldestDueDay(deps.d1, tenantId, cutoff);
  if (!day) return { day: null, moved: 0 };
  const from = dayStart(day);
  const to = Math.min(from + DAY_MS, cutoff);
  const batch = await collect(deps.d1, tenantId, from, to);
  if (!batch.records.length) return { day, moved: 0 };

  // Past the PHI retention already: the object never receives the PHI at all.
  const phiCutoff = retention.phiRetentionDays === null ? null : cutoffOf(now, retention.phiRetentionDays);
  const stripPhi = phiCutoff !== null && from + DAY_MS <= phiCutoff;
  const records = stripPhi ? batch.records.map((r) => withoutPhi(r)) : batch.records;

  const key = archiveKey(tenantId, day);
  const existing = await readArchive(deps.bucket, key);
  for (const record of records) existing.contents.set(recordKey(record.kind, record.id), record);
  await writeArchive(deps.bucket, key, existing.contents, existing.etag);
  const stored = await verifyArchive(deps.bucket, key, records);

  const d1 = deps.d1;
  const auditThrough = batch.audit.length ? Math.max(...batch.audit.map((r) => Number(r.id))) : null;
  await d1.batch([
    // First, so the audit trail's delete trigger sees that the object holds these rows.
    d1.prepare(
      `INSERT INTO archive_days (tenant_id, day, key, records, audit_through_id, phi_purged_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT (tenant_id, day) DO UPDATE SET records = excluded.records, updated_at = excluded.updated_at,
         audit_through_id = MAX(COALESCE(archive_days.audit_through_id, 0), COALESCE(excluded.audit_through_id, 0)),
         phi_purged_at = COALESCE(archive_days.phi_purged_at, excluded.phi_purged_at)`,
    ).bind(tenantId, day, key, stored, auditThrough, stripPhi ? now : null, now),
    d1.prepare(
      `INSERT OR IGNORE INTO archived_calls (tenant_id, call_id, day) SELECT ?1, value, ?2 FROM json_each(?3)`,
    ).bind(tenantId, day, ids(batch.calls)),
    d1.prepare(
      `INSERT OR IGNORE INTO archive_patient_days (tenant_id, patient_id, day) SELECT ?1, value, ?2 FROM json_each(?3)`,
    ).bind(tenantId, day, JSON.stringify(batch.patients)),
    // `+tenant_id` throughout: each row by its id, not a walk of the tenant's rows (see contact-policy/facts.ts).
    d1.prepare(`DELETE FROM call_events WHERE call_id IN (SELECT value FROM json_each(?1)) AND +tenant_id = ?2`).bind(ids(batch.calls), tenantId),
    d1.prepare(`DELETE FROM call_options WHERE call_id IN (SELECT value FROM json_each(?1)) AND +tenant_id = ?2`).bind(ids(batch.calls), tenantId),
    d1.prepare(`DELETE FROM calls WHERE id IN (SELECT value FROM json_each(?1)) AND +tenant_id = ?2`).bind(ids(batch.calls), tenantId),
    d1.prepare(`DELETE FROM message_send_attempts WHERE message_id IN (SELECT value FROM json_each(?1))`).bind(ids(batch.messages)),
    d1.prepare(`DELETE FROM message_sends WHERE message_id IN (SELECT value FROM json_each(?1))`).bind(ids(batch.messages)),
    d1.prepare(`DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?1)) AND +tenant_id = ?2`).bind(ids(batch.messages), tenantId),
    d1.prepare(`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT value FROM json_each(?1))`).bind(ids(batch.deliveries)),
    d1.prepare(`DELETE FROM webhook_deliveries WHERE id IN (SELECT value FROM json_each(?1)) AND +tenant_id = ?2`).bind(ids(batch.deliveries), tenantId),
    d1.prepare(`DELETE FROM webhook_events WHERE id IN (SELECT value FROM json_each(?1)) AND +tenant_id = ?2`).bind(ids(batch.events), tenantId),
    d1.prepare(`DELETE FROM audit_events WHERE id IN (SELECT value FROM json_each(?1)) AND +tenant_id = ?2`).bind(ids(batch.audit), tenantId),
  ]);
  return { day, moved: batch.records.length };
}
