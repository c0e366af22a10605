import { WorkerEntrypoint } from "cloudflare:workers";
import { reconcileQuietCalls } from "./calls/reconcile";
import { releaseDueCalls } from "./calls/release";
import type { Env } from "./env";
import { sweepWebhooks } from "./webhooks/sweep";

/** RPC surface for our own workers (the cron), reached through a service binding; not on the internet. */
export class Internal extends WorkerEntrypoint<Env> {
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
}
