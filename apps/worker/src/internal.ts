import { WorkerEntrypoint } from "cloudflare:workers";
import { reconcileQuietCalls } from "./calls/reconcile";
import { releaseDueCalls } from "./campaigns/release";
import type { Env } from "./env";
import { createDb } from "./lib/db";
import { sweepMessageSends } from "./messages/deliver";
import { sweepWebhooks } from "./customer-webhooks/sweep";
import { withFaults } from "./lib/faults";
import { runShardLifecycle, type LifecycleSummary } from "./lifecycle/run";
import { shardDatabases, tenantsOnShard } from "./shards/directory";

/**
 * RPC surface for our own workers (the cron), reached through a service binding; not on the
 * internet. Each method walks every shard (shards/directory.ts).
 */
export class Internal extends WorkerEntrypoint<Env> {
  constructor(ctx: ExecutionContext, env: Env) {
    super(ctx, withFaults(env));
  }

  /** Hands every campaign due at `now` to its tenant's dispatcher. */
  async releaseDueCalls(now: number) {
    return releaseDueCalls(this.env, now);
  }

  async sweepWebhooks(now: number) {
    return sweepWebhooks(this.env, now);
  }

  /** Asks vendors about live calls whose webhooks went quiet. */
  async reconcileCalls(now: number) {
    return reconcileQuietCalls(this.env, now);
  }

  /** Hands patient texts that never reached their provider (or hit a retryable error) to it again. */
  async resendMessages(now: number) {
    const total = { due: 0, accepted: 0, retrying: 0 };
    for (const d1 of shardDatabases(this.env)) {
      const r = await sweepMessageSends({ env: this.env, db: createDb(d1), waitUntil: (p) => this.ctx.waitUntil(p) }, now);
      total.due += r.due;
      total.accepted += r.accepted;
      total.retrying += r.retrying;
    }
    return total;
  }

  /** Data lifecycle: erasures, PHI retention, and archiving past each tenant's hot window, in bounded steps. */
  async runLifecycle(now: number): Promise<LifecycleSummary> {
    const total: LifecycleSummary = { tenants: 0, archived: 0, phiPurged: 0, erased: 0 };
    const shards = shardDatabases(this.env);
    for (let shard = 0; shard < shards.length; shard++) {
      const r = await runShardLifecycle({ d1: shards[shard]!, bucket: this.env.FILES }, now, await tenantsOnShard(this.env, shard));
      total.tenants += r.tenants;
      total.archived += r.archived;
      total.phiPurged += r.phiPurged;
      total.erased += r.erased;
    }
    return total;
  }
}
