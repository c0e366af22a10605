import type { CallOutcome, CallStatus } from "@switchboard/schemas";

/** A history row waiting to reach D1. `seq` is per call, so re-sending one is harmless. */
export interface OutboxEntry {
  seq: number;
  type: string;
  from: CallStatus | null;
  to: CallStatus | null;
  detail: Record<string, unknown> | null;
  at: number;
}

/** The call row as the call object knows it. */
export interface CallSnapshot {
  callId: string;
  tenantId: string;
  status: CallStatus;
  outcome: CallOutcome | null;
  providerCallId: string | null;
  startedAt: number | null;
  endedAt: number | null;
  finalReport: Record<string, unknown> | null;
  transcript: unknown[] | null;
  recordingUrl?: string | null;
  /** The provider holding the call; it changes when a call fails over. */
  provider?: string;
}

/**
 * Writes the call's current row and its pending history in one atomic D1 batch. Idempotent:
 * the row is overwritten with the latest snapshot and events are keyed by (call_id, seq).
 */
export async function writeThrough(db: D1Database, call: CallSnapshot, entries: readonly OutboxEntry[]): Promise<void> {
  const now = Date.now();
  const statements = [
    db
      .prepare(
        `UPDATE calls SET status = ?, outcome = ?, provider_call_id = ?, started_at = ?, ended_at = ?,
           final_report = ?, transcript = ?, recording_url = ?, provider = COALESCE(?, provider), updated_at = ?
         WHERE id = ? AND tenant_id = ?`,
      )
      .bind(
        call.status,
        call.outcome,
        call.providerCallId,
        call.startedAt,
        call.endedAt,
        call.finalReport ? JSON.stringify(call.finalReport) : null,
        call.transcript ? JSON.stringify(call.transcript) : null,
        call.recordingUrl ?? null,
        call.provider ?? null,
        now,
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
  ];
  await db.batch(statements);
}
