import { shardDatabases } from "../shards/directory";
import { LIVE_STATUSES } from "@switchboard/schemas";
import type { Env } from "../env";
import { callObject } from "../objects/stubs";
import { errorSummary } from "../lib/log-safe";

/** A live call with no news for this long gets its vendor asked. */
export const QUIET_MS = 2 * 60_000;
/** Calls asked per cron run; the rest wait a minute. */
const RECONCILE_LIMIT = 50;
/** Calls of one tenant asked per run while others wait: one tenant's stuck calls cannot starve the rest. */
const PER_TENANT = 5;
const CONCURRENCY = 10;

/**
 * Asks the vendor about live calls whose webhooks have gone quiet (lost, or never sent) and applies
 * what it says through each call's object. Fair between tenants: each run takes the oldest few
 * quiet calls of every tenant first (round robin by age), then more of the same tenants if there
 * is room. Safe to overlap or repeat: the object ignores answers that change nothing.
 */
export async function reconcileQuietCalls(env: Env, now: number): Promise<{ checked: number; moved: number }> {
  const statuses = LIVE_STATUSES.map(() => "?").join(", ");
  // Every shard, each with its own limit.
  const quiet = await Promise.all(
    shardDatabases(env).map((d1) =>
      d1
        .prepare(
          `SELECT id FROM (
             SELECT id, updated_at, row_number() OVER (PARTITION BY tenant_id ORDER BY updated_at) AS turn
               FROM calls
              WHERE status IN (${statuses}) AND updated_at <= ? AND provider != 'simulator' AND provider_call_id IS NOT NULL
           )
           ORDER BY (turn - 1) / ?, updated_at LIMIT ?`,
        )
        .bind(...LIVE_STATUSES, now - QUIET_MS, PER_TENANT, RECONCILE_LIMIT)
        .all<{ id: string }>(),
    ),
  );
  const ids = quiet.flatMap((q) => q.results.map((r) => r.id));
  let moved = 0;
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const callId = ids[next++]!;
      try {
        if ((await callObject(env, callId).reconcile("quiet")) === "moved") moved += 1;
      } catch (error) {
        console.error(JSON.stringify({ level: "warn", msg: "reconcile failed", callId, error: errorSummary(error) }));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
  return { checked: ids.length, moved };
}
