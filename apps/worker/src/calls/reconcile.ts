import { shardDatabases } from "../shards/directory";
import { LIVE_STATUSES } from "@switchboard/schemas";
import type { Env } from "../env";
import { callObject } from "../objects/stubs";
import { errorSummary } from "../lib/log-safe";

/** A live call with no news for this long gets its vendor asked. */
export const QUIET_MS = 2 * 60_000;
/** Calls asked per cron run; the oldest go first, the rest wait a minute. */
const RECONCILE_LIMIT = 50;
const CONCURRENCY = 10;

/**
 * Asks the vendor about live calls whose webhooks have gone quiet (lost, or never sent) and applies
 * what it says through each call's object. Safe to overlap or repeat: the object ignores answers
 * that change nothing.
 */
export async function reconcileQuietCalls(env: Env, now: number): Promise<{ checked: number; moved: number }> {
  const statuses = LIVE_STATUSES.map(() => "?").join(", ");
  // Every shard, each with its own limit.
  const quiet = await Promise.all(
    shardDatabases(env).map((d1) =>
      d1.prepare(
        `SELECT id FROM calls
          WHERE status IN (${statuses}) AND updated_at <= ? AND provider != 'simulator' AND provider_call_id IS NOT NULL
          ORDER BY updated_at LIMIT ?`,
      )
        .bind(...LIVE_STATUSES, now - QUIET_MS, RECONCILE_LIMIT)
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
