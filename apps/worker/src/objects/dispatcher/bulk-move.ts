import { canTransition, type CallOutcome, type CallStatus } from "@switchboard/schemas";

/**
 * Moves many calls that no call object has taken yet (scheduled or queued) in two statements: one
 * history row each, then the status. Run them in one `batch()` (atomic, in order): both select by
 * `status = from`, so a call moves once however often or concurrently this runs, and a call that
 * moved meanwhile (dialed, canceled) is left alone. The lifecycle table is checked here as the call
 * object checks it. `where` is a condition on `calls` with `?` placeholders bound from `binds`; it
 * should pick the calls by key (ids, campaign): the status test is kept off the status index
 * (`+calls.status`), which would otherwise scan every scheduled call of every tenant.
 */
export function bulkMove(
  db: D1Database,
  move: {
    from: CallStatus;
    to: CallStatus;
    type: string;
    where: string;
    binds: unknown[];
    now: number;
    detail?: Record<string, unknown>;
    /** For moves to an end: the outcome and ended_at to set. */
    outcome?: CallOutcome;
  },
): D1PreparedStatement[] {
  if (!canTransition(move.from, move.to)) throw new Error(`illegal call transition ${move.from} -> ${move.to}`);
  const detail = move.detail ? JSON.stringify(move.detail) : null;
  const history = db
    .prepare(
      `INSERT INTO call_events (call_id, tenant_id, seq, type, from_status, to_status, detail, at)
       SELECT calls.id, calls.tenant_id,
              (SELECT coalesce(max(e.seq), 0) + 1 FROM call_events e WHERE e.call_id = calls.id),
              ?, ?, ?, ?, ?
         FROM calls WHERE +calls.status = ? AND (${move.where})
       ON CONFLICT (call_id, seq) DO NOTHING`,
    )
    .bind(move.type, move.from, move.to, detail, move.now, move.from, ...move.binds);
  const ends = move.outcome !== undefined;
  const status = db
    .prepare(
      `UPDATE calls SET status = ?, updated_at = ?${ends ? ", outcome = ?, ended_at = ?" : ""}
        WHERE +calls.status = ? AND (${move.where})`,
    )
    .bind(move.to, move.now, ...(ends ? [move.outcome, move.now] : []), move.from, ...move.binds);
  return [history, status];
}

/** Sums of D1's `meta` over the statements of one piece of work: what Cloudflare bills, and how many subrequests. */
export interface D1Meter {
  /** Calls to D1 (a batch is one): each is a subrequest of the invocation. */
  subrequests: number;
  statements: number;
  rowsRead: number;
  rowsWritten: number;
}

export function newMeter(): D1Meter {
  return { subrequests: 0, statements: 0, rowsRead: 0, rowsWritten: 0 };
}

export function measure<T extends D1Result | D1Result[]>(meter: D1Meter, result: T): T {
  meter.subrequests += 1;
  for (const r of Array.isArray(result) ? result : [result]) {
    meter.statements += 1;
    meter.rowsRead += r.meta?.rows_read ?? 0;
    meter.rowsWritten += r.meta?.rows_written ?? 0;
  }
  return result;
}
