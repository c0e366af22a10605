/** What the cron needs from the API worker (its `Internal` entrypoint). */
export interface InternalApi {
  releaseDueCalls(now: number): Promise<{ campaigns: number }>;
  sweepWebhooks(now: number): Promise<{ woken: number }>;
  reconcileCalls(now: number): Promise<{ checked: number; moved: number }>;
  resendMessages(now: number): Promise<{ due: number; accepted: number; retrying: number }>;
  runLifecycle(now: number): Promise<{ tenants: number; archived: number; phiPurged: number; erased: number }>;
}

export interface Env {
  API: Service & InternalApi;
}

/**
 * Every minute: hand the campaigns that are due to their tenants' dispatchers, ask vendors about
 * live calls whose webhooks went quiet, wake webhook senders with overdue work, and hand patient texts
 * that never reached their messaging provider to it again, and move each tenant's old history to the
 * archive (R2) and purge PHI past its retention, in bounded steps. The work itself
 * lives in the API worker, next to the call objects; this worker only owns the schedule.
 * `scheduledTime` (not the clock) decides what is due, so a late or repeated firing releases the same set.
 */
export default {
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(
      env.API.releaseDueCalls(controller.scheduledTime).then((r) => {
        console.log(JSON.stringify({ msg: "cron release", cron: controller.cron, campaigns: r.campaigns }));
      }),
    );
    ctx.waitUntil(
      env.API.sweepWebhooks(controller.scheduledTime).then((r) => {
        if (r.woken) console.log(JSON.stringify({ msg: "cron webhook sweep", woken: r.woken }));
      }),
    );
    ctx.waitUntil(
      env.API.reconcileCalls(controller.scheduledTime).then((r) => {
        console.log(JSON.stringify({ msg: "cron reconcile", cron: controller.cron, checked: r.checked, moved: r.moved }));
      }),
    );
    ctx.waitUntil(
      env.API.resendMessages(controller.scheduledTime).then((r) => {
        if (r.due) console.log(JSON.stringify({ msg: "cron message resend", due: r.due, accepted: r.accepted, retrying: r.retrying }));
      }),
    );
    ctx.waitUntil(
      env.API.runLifecycle(controller.scheduledTime).then((r) => {
        if (r.archived || r.phiPurged || r.erased) console.log(JSON.stringify({ msg: "cron lifecycle", ...r }));
      }),
    );
  },
} satisfies ExportedHandler<Env>;
