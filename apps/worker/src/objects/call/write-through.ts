import { recordStatements } from "../../audit/record";
import { endpointsWoken, eventStatements, type EventToEmit } from "../../customer-webhooks/emit";
import { iso } from "../../lib/time";
import type { CallSnapshot, OutboxEntry } from "./state";

/** The call row's columns a call object writes, as bound (policy columns only once it has decided). */
export type WrittenRow = Record<string, string | number | null>;

/** The call row's columns as the snapshot has them. */
function rowOf(call: CallSnapshot): WrittenRow {
  const row: WrittenRow = {
    status: call.status,
    outcome: call.outcome,
    provider_call_id: call.providerCallId,
    started_at: call.startedAt,
    answered_at: call.answeredAt ?? null,
    ended_at: call.endedAt,
    final_report: call.finalReport ? JSON.stringify(call.finalReport) : null,
    transcript: call.transcript ? JSON.stringify(call.transcript) : null,
    recording_url: call.recordingUrl ?? null,
    provider: call.provider ?? null,
  };
  // States stored before the contact policy have no decision: leave the row's alone.
  if (call.contactPolicy !== undefined) {
    const policy = call.contactPolicy ?? { policyDecision: null, policyReason: null, policyReasons: null, policyUntil: null };
    Object.assign(row, {
      policy_decision: policy.policyDecision,
      policy_reason: policy.policyReason,
      policy_reasons: policy.policyReasons,
      policy_until: policy.policyUntil,
    });
  }
  return row;
}

/** Set clauses that keep what D1 has when the snapshot has nothing: the first pickup, the provider. */
const KEEP: Record<string, string> = { answered_at: "answered_at = COALESCE(answered_at, ?)", provider: "provider = COALESCE(?, provider)" };

/**
 * Writes the call's current row, its pending history, the webhook events that history announces
 * and the audit rows it carries, in one atomic D1 batch: a transactional outbox, so the clinic
 * hears of every transition that reached D1, and of none that did not. Idempotent: the row takes
 * the latest snapshot, events are keyed by (call_id, seq), webhook events by call id and seq.
 *
 * Only the row's columns that changed since `written` (the row as this object last wrote it; null:
 * unknown, so all of them) are set, and `status` always (the one column others move too: the
 * dispatcher's bulk moves): D1 counts every index entry a SET rewrites as a row written, changed or
 * not. A `written` older than D1 (a write whose answer was lost) only sets more columns. The
 * history goes in one statement. Returns the row as written and the webhook endpoints that got new
 * deliveries (their senders to wake).
 */
export async function writeThrough(
  db: D1Database,
  call: CallSnapshot,
  entries: readonly OutboxEntry[],
  written: WrittenRow | null = null,
): Promise<{ written: WrittenRow; woken: string[] }> {
  const now = Date.now();
  const outbox = await eventStatements(db, call.tenantId, announcements(call, entries), now);
  const row = rowOf(call);
  const changed = Object.keys(row).filter((column) => column === "status" || written === null || !(column in written) || written[column] !== row[column]);
  const statements = [
    db
      .prepare(`UPDATE calls SET ${[...changed.map((c) => KEEP[c] ?? `${c} = ?`), "updated_at = ?"].join(", ")} WHERE id = ? AND tenant_id = ?`)
      .bind(...changed.map((c) => row[c] ?? null), now, call.callId, call.tenantId),
    ...(entries.length
      ? [
          db
            .prepare(
              `INSERT INTO call_events (call_id, tenant_id, seq, type, from_status, to_status, detail, at)
               SELECT ?1, ?2, json_extract(value, '$.seq'), json_extract(value, '$.type'), json_extract(value, '$.from'),
                      json_extract(value, '$.to'), json_extract(value, '$.detail'), json_extract(value, '$.at')
                 FROM json_each(?3) WHERE true
               ON CONFLICT (call_id, seq) DO NOTHING`,
            )
            .bind(
              call.callId,
              call.tenantId,
              JSON.stringify(entries.map((e) => ({ seq: e.seq, type: e.type, from: e.from, to: e.to, detail: e.detail ? JSON.stringify(e.detail) : null, at: e.at }))),
            ),
        ]
      : []),
    // An entry re-sent after a write whose answer was lost is not audited twice.
    ...entries.flatMap((e) => (e.audit ? auditOnce(db, call, e) : [])),
    ...outbox.events,
    ...outbox.deliveries,
  ];
  const results = await db.batch(statements);
  return { written: row, woken: endpointsWoken(results.slice(statements.length - outbox.deliveries.length)) };
}

/** The entry's audit row, unless an earlier write of the same entry already recorded it. */
function auditOnce(db: D1Database, call: CallSnapshot, entry: OutboxEntry): D1PreparedStatement[] {
  const audit = entry.audit!;
  const record = { tenantId: call.tenantId, actor: audit.actor, action: audit.action, objectIds: [call.callId], requestId: audit.requestId };
  return recordStatements(db, record, { at: entry.at, once: true });
}

/**
 * `call.status_changed` for every transition, plus `call.completed` (with the final report) or
 * `call.failed` when the call ends, and `call.deferred` / `call.refused` for the contact policy's
 * decisions. Keyed by call id and history seq, so writing an entry again announces nothing new.
 */
export function announcements(call: CallSnapshot, entries: readonly OutboxEntry[]): EventToEmit[] {
  const events: EventToEmit[] = [];
  for (const entry of entries) {
    const key = `call:${call.callId}:${entry.seq}`;
    const policy = policyEvent(call, entry);
    if (policy) events.push({ ...policy, key: `${key}:${policy.type}` });
    if (entry.to === null || entry.from === null) continue;
    const outcome = (entry.detail?.outcome as string | undefined) ?? null;
    events.push({
      type: "call.status_changed",
      key: `${key}:status_changed`,
      data: { call_id: call.callId, previous_status: entry.from, status: entry.to, outcome, changed_at: iso(entry.at) },
    });
    const ended = { call_id: call.callId, status: entry.to, outcome: call.outcome, started_at: iso(call.startedAt), ended_at: iso(call.endedAt) };
    if (entry.to === "completed") {
      const duration = call.startedAt !== null && call.endedAt !== null ? Math.max(0, Math.round((call.endedAt - call.startedAt) / 1000)) : null;
      events.push({ type: "call.completed", key: `${key}:completed`, data: { ...ended, duration, final_report: call.finalReport } });
    } else if (entry.to === "failed") {
      events.push({ type: "call.failed", key: `${key}:failed`, data: ended });
    }
  }
  return events;
}

/** `call.deferred` / `call.refused` for a contact-policy decision the call object wrote. */
function policyEvent(call: CallSnapshot, entry: OutboxEntry): Omit<EventToEmit, "key"> | null {
  const detail = entry.detail ?? {};
  const common = { call_id: call.callId, batch_id: call.campaignId ?? null, purpose: call.purpose ?? null, reason: detail.reason, reasons: detail.reasons, attempt: detail.attempt };
  if (entry.type === "policy.deferred") return { type: "call.deferred", data: { ...common, until: detail.until } };
  if (entry.type === "policy.refused") return { type: "call.refused", data: common };
  return null;
}
