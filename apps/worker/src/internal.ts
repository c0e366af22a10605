import { WorkerEntrypoint } from "cloudflare:workers";
import { reconcileQuietCalls } from "./calls/reconcile";
import { releaseDueCalls } from "./campaigns/release";
import type { Env } from "./env";
import { createDb } from "./lib/db";
import { sweepMessageSends } from "./messages/deliver";
import { sweepWebhooks } from "./customer-webhooks/sweep";
import { withFaults } from "./lib/faults";

/** RPC surface for our own workers (the cron), reached through a service binding; not on the internet. */
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
    return sweepMessageSends({ env: this.env, db: createDb(this.env.DB), waitUntil: (p) => this.ctx.waitUntil(p) }, now);
  }
}
