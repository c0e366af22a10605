import { WorkerEntrypoint } from "cloudflare:workers";
import { releaseDueCalls } from "./calls/release";
import type { Env } from "./env";

/** RPC surface for our own workers (the cron), reached through a service binding; not on the internet. */
export class Internal extends WorkerEntrypoint<Env> {
  /** Hands every campaign due at `now` to its tenant's dispatcher. */
  async releaseDueCalls(now: number) {
    return releaseDueCalls(this.env, now);
  }
}
