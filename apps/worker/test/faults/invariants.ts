import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { dialsOf } from "../../src/lib/faults";
import { inspect } from "../helpers/objects";
import { poll } from "../helpers/wait";

/** The documented bound for a line to come back once its call has ended: the dispatcher's audit interval. */
export const LINE_BACK_WITHIN_MS = 5 * 60_000;

const TERMINAL = ["completed", "failed", "canceled"];

/** What D1 holds of the calls: status and attempts made. */
async function rows(callIds: readonly string[]) {
  const result = await env.DB.prepare(
    `SELECT c.id, c.status, c.tenant_id,
            (SELECT count(*) FROM call_events e WHERE e.call_id = c.id AND e.type = 'dispatched') AS attempts
       FROM calls c WHERE c.id IN (SELECT value FROM json_each(?))`,
  )
    .bind(JSON.stringify(callIds))
    .all<{ id: string; status: string; tenant_id: string; attempts: number }>();
  return result.results;
}

/**
 * The promise, checked after a fault: every call has ended; at most one dial per call attempt,
 * counted on the vendor's side (`dials(callId, attempt)`, the simulator's ledger by default); no
 * ended call holds a line; every terminal status is announced exactly once to each subscribed
 * endpoint (deliveries in D1, one per endpoint and event).
 */
export async function expectInvariants(opts: {
  tenantId: string;
  callIds: readonly string[];
  endpoints?: readonly string[];
  dials?: (callId: string, attempt: number) => number;
}) {
  const dials = opts.dials ?? dialsOf;
  const calls = await rows(opts.callIds);
  expect(calls).toHaveLength(opts.callIds.length);
  for (const call of calls) {
    expect(TERMINAL, `call ${call.id} not ended`).toContain(call.status);
    for (let attempt = 1; attempt <= Math.max(1, call.attempts); attempt++) {
      expect(dials(call.id, attempt), `dials of ${call.id} attempt ${attempt}`).toBeLessThanOrEqual(1);
    }
  }
  const lines = await poll(() => inspect(opts.tenantId), (d) => !d.live.some((e) => opts.callIds.includes(e.call_id)));
  expect(lines.live.filter((e) => opts.callIds.includes(e.call_id)), "lines still held by ended calls").toEqual([]);
  for (const endpointId of opts.endpoints ?? []) {
    const announced = await env.DB.prepare(
      `SELECT json_extract(e.payload, '$.data.call_id') AS call_id, count(*) AS n
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
        WHERE d.endpoint_id = ? AND e.type IN ('call.completed', 'call.failed') GROUP BY 1`,
    )
      .bind(endpointId)
      .all<{ call_id: string; n: number }>();
    const byCall = new Map(announced.results.map((r) => [r.call_id, r.n]));
    for (const call of calls) {
      const expected = call.status === "canceled" ? 0 : 1;
      expect(byCall.get(call.id) ?? 0, `terminal announcements of ${call.id} to ${endpointId}`).toBe(expected);
    }
  }
}
