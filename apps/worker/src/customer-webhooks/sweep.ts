import { shardDatabases } from "../shards/directory";
import type { Env } from "../env";
import { wake } from "./emit";

/** Overdue by this much, a delivery's sender is taken to have missed its wake-up. */
const OVERDUE_MS = 60_000;
const SWEEP_LIMIT = 100;

/**
 * A backstop for the senders' alarms: wakes the sender of every enabled endpoint with a delivery
 * well past due (its kick was lost, or its alarm gave up). Waking a sender that is fine is harmless.
 */
export async function sweepWebhooks(env: Pick<Env, "DB" | "WEBHOOKS">, now: number): Promise<{ woken: number }> {
  let woken = 0;
  for (const d1 of shardDatabases(env)) woken += (await sweepShard(env, d1, now)).woken;
  return { woken };
}

async function sweepShard(env: Pick<Env, "WEBHOOKS">, d1: D1Database, now: number): Promise<{ woken: number }> {
  const overdue = await d1.prepare(
    `SELECT DISTINCT d.endpoint_id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND e.enabled = 1 AND e.deleted_at IS NULL
      LIMIT ?`,
  )
    .bind(now - OVERDUE_MS, SWEEP_LIMIT)
    .all<{ endpoint_id: string }>();
  await Promise.all(overdue.results.map((r) => wake(env, r.endpoint_id)));
  return { woken: overdue.results.length };
}
