import { emitEvents } from "../../customer-webhooks/emit";
import type { Env } from "../../env";
import { errorSummary } from "../../lib/log-safe";
import { bulkMove, measure, type D1Meter } from "./bulk-move";

/** Where a campaign's release has got to: calls are taken in (created_at, id) order. */
export interface ReleaseCursor {
  createdAt: number;
  id: string;
}

export interface ReleasedCall {
  callId: string;
  timezone: string | null;
  state: string | null;
  provider: string;
  /** Set when the patient's calling hours are closed: the call waits until then (recorded on the call). */
  notBefore: number | null;
}

export interface ReleaseDeferral {
  callId: string;
  purpose: string | null;
  until: number;
  reason: string;
  reasons: string[];
}

/** The contact policy's calling hours for a released call: when it may be dialed, with the rules that hold it back. */
export type HoursCheck = (call: { timezone: string | null; state: string | null; provider: string }) => { until: number; reason: string; reasons: string[] } | null;

export const RELEASE_PAGE_SIZE = 500;

/**
 * One page of a campaign's release: reads the next calls still waiting to be queued, and moves
 * the `scheduled` ones to `queued` in one atomic batch (one bound parameter carries all their ids).
 * Calls already `queued` on the page are returned too: a run that crashed after this batch but
 * before the dispatcher took them re-reads the page and hands them over again (the dispatcher
 * ignores calls it already has). Nothing is taken from a canceled campaign.
 *
 * Calls released outside their patient's calling hours are recorded as deferred by the contact
 * policy in the same batch (`policy.deferred`, the call's policy), so the campaign's progress and
 * each call say why they wait; the call object decides the whole policy when they are dialed.
 */
export async function releasePage(
  db: D1Database,
  tenantId: string,
  campaignId: string,
  cursor: ReleaseCursor,
  now: number,
  meter: D1Meter,
  hours: HoursCheck = () => null,
): Promise<{ calls: ReleasedCall[]; next: ReleaseCursor | null; deferred: ReleaseDeferral[] }> {
  const page = measure(
    meter,
    await db
      .prepare(
        `SELECT c.id, c.created_at, c.status, c.provider, c.purpose, p.timezone, p.state
           FROM calls c
           JOIN campaigns cp ON cp.id = c.campaign_id AND cp.status <> 'canceled'
           LEFT JOIN patients p ON p.id = c.patient_id AND p.tenant_id = c.tenant_id
          WHERE c.campaign_id = ? AND c.tenant_id = ? AND c.status IN ('scheduled', 'queued')
            AND (c.created_at, c.id) > (?, ?)
          ORDER BY c.created_at, c.id
          LIMIT ?`,
      )
      .bind(campaignId, tenantId, cursor.createdAt, cursor.id, RELEASE_PAGE_SIZE)
      .all<{ id: string; created_at: number; status: string; provider: string; purpose: string | null; timezone: string | null; state: string | null }>(),
  ).results;
  if (page.length === 0) return { calls: [], next: null, deferred: [] };

  const calls = page.map((c) => {
    const held = hours({ timezone: c.timezone, state: c.state, provider: c.provider });
    return { row: c, held, call: { callId: c.id, timezone: c.timezone, state: c.state, provider: c.provider, notBefore: held?.until ?? null } };
  });
  const moved = calls.filter((c) => c.row.status === "scheduled");
  const deferred = moved.flatMap((c) => (c.held ? [{ callId: c.row.id, purpose: c.row.purpose, ...c.held }] : []));
  if (moved.length) {
    measure(
      meter,
      await db.batch([
        ...bulkMove(db, {
          from: "scheduled",
          to: "queued",
          type: "released",
          where: "calls.id IN (SELECT value FROM json_each(?))",
          binds: [JSON.stringify(moved.map((c) => c.row.id))],
          now,
          detail: { batchId: campaignId },
        }),
        ...(deferred.length ? recordDeferrals(db, deferred, now) : []),
      ]),
    );
  }
  const last = page[page.length - 1]!;
  return {
    calls: calls.map((c) => c.call),
    next: page.length < RELEASE_PAGE_SIZE ? null : { createdAt: last.created_at, id: last.id },
    deferred,
  };
}

/**
 * A `policy.deferred` history row and the call's policy for each call just released outside its
 * calling hours. Only calls not yet decided (released just now, in this batch) are touched, so a
 * page read again records nothing twice.
 */
export function recordDeferrals(db: D1Database, deferred: { callId: string; until: number; reason: string; reasons: string[] }[], now: number): D1PreparedStatement[] {
  const rows = JSON.stringify(deferred.map((d) => ({ id: d.callId, until: d.until, reason: d.reason, reasons: d.reasons.join(","), detail: JSON.stringify({ reason: d.reason, reasons: d.reasons, until: new Date(d.until).toISOString(), attempt: 1 }) })));
  // `+calls.status` and the CROSS JOIN keep SQLite's planner on each call's id: left free, it scans
  // every queued call of every tenant through the status index and matches the page against them.
  const undecided = "+calls.status = 'queued' AND calls.policy_decision IS NULL";
  return [
    db
      .prepare(
        `INSERT INTO call_events (call_id, tenant_id, seq, type, from_status, to_status, detail, at)
         SELECT calls.id, calls.tenant_id, (SELECT coalesce(max(e.seq), 0) + 1 FROM call_events e WHERE e.call_id = calls.id),
                'policy.deferred', NULL, NULL, json_extract(d.value, '$.detail'), ?2
           FROM json_each(?1) d CROSS JOIN calls ON calls.id = json_extract(d.value, '$.id')
          WHERE ${undecided}
         ON CONFLICT (call_id, seq) DO NOTHING`,
      )
      .bind(rows, now),
    db
      .prepare(
        `UPDATE calls SET policy_decision = 'defer', policy_reason = json_extract(d.value, '$.reason'),
                policy_reasons = json_extract(d.value, '$.reasons'), policy_until = json_extract(d.value, '$.until')
           FROM json_each(?1) d
          WHERE calls.id = json_extract(d.value, '$.id') AND ${undecided}`,
      )
      .bind(rows),
  ];
}

/** `call.deferred` for calls a release page deferred (keyed per call and time: a page read again announces nothing twice). */
export async function recordReleaseDeferrals(
  env: Pick<Env, "DB" | "WEBHOOKS">,
  tenantId: string,
  campaignId: string,
  deferred: ReleaseDeferral[],
) {
  try {
    await emitEvents(
      env,
      tenantId,
      deferred.map((d) => ({
        type: "call.deferred" as const,
        key: `call:${d.callId}:released:deferred:${d.until}`,
        data: { call_id: d.callId, batch_id: campaignId, purpose: d.purpose, reason: d.reason, reasons: d.reasons, until: new Date(d.until).toISOString(), attempt: 1 },
      })),
    );
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "call.deferred emit failed", batchId: campaignId, error: errorSummary(error) }));
  }
}
