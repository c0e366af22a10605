import { recordStatements } from "../../audit/record";
import { endpointsWoken, eventStatements, type EventToEmit } from "../../customer-webhooks/emit";
import { iso } from "../../lib/time";
import type { CallSnapshot, OutboxEntry } from "./state";

/**
 * Writes the call's current row, its pending history, the webhook events that history announces
 * and the audit rows it carries, in one atomic D1 batch: a transactional outbox, so the clinic
 * hears of every transition that reached D1, and of none that did not. Idempotent: the row is
 * overwritten with the latest snapshot, events are keyed by (call_id, seq), webhook events by
 * call id and seq. Returns the webhook endpoints that got new deliveries (their senders to wake).
 */
export async function writeThrough(db: D1Database, call: CallSnapshot, entries: readonly OutboxEntry[]): Promise<string[]> {
  const now = Date.now();
  const outbox = await eventStatements(db, call.tenantId, announcements(call, entries), now);
  // States stored before the contact policy have no decision: leave the row's alone.
  const policy = call.contactPolicy === undefined ? null : (call.contactPolicy ?? { policyDecision: null, policyReason: null, policyReasons: null, policyUntil: null });
  const statements = [
    db
      .prepare(
        `UPDATE calls SET status = ?, outcome = ?, provider_call_id = ?, started_at = ?, answered_at = COALESCE(answered_at, ?), ended_at = ?,
           final_report = ?, transcript = ?, recording_url = ?, provider = COALESCE(?, provider), updated_at = ?
           ${policy ? ", policy_decision = ?, policy_reason = ?, policy_reasons = ?, policy_until = ?" : ""}
         WHERE id = ? AND tenant_id = ?`,
      )
      .bind(
        call.status,
        call.outcome,
        call.providerCallId,
        call.startedAt,
        call.answeredAt ?? null,
        call.endedAt,
        call.finalReport ? JSON.stringify(call.finalReport) : null,
        call.transcript ? JSON.stringify(call.transcript) : null,
        call.recordingUrl ?? null,
        call.provider ?? null,
        now,
        ...(policy ? [policy.policyDecision, policy.policyReason, policy.policyReasons, policy.policyUntil] : []),
        call.callId,
        call.tenantId,
      ),
    ...entries.map((e) =>
      db
        .prepare(
          `INSERT INTO call_events (call_id, tenant_id, seq, type, from_status, to_status, detail, at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (call_id, seq) DO NOTHING`,
        )
        .bind(call.callId, call.tenantId, e.seq, e.type, e.from, e.to, e.detail ? JSON.stringify(e.detail) : null, e.at),
    ),
    // An entry re-sent after a write whose answer was lost is not audited twice.
    ...entries.flatMap((e) => (e.audit ? auditOnce(db, call, e) : [])),
    ...outbox.events,
    ...outbox.deliveries,
  ];
  const results = await db.batch(statements);
  return endpointsWoken(results.slice(statements.length - outbox.deliveries.length));
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
