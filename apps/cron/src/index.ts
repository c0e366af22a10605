/** What the cron needs from the API worker (its `Internal` entrypoint). */
export interface InternalApi {
  releaseDueCalls(now: number): Promise<{ campaigns: number }>;
}

export interface Env {
  API: Service & InternalApi;
}

/**
 * Every minute: hand the campaigns that are due to their tenants' dispatchers. The work itself lives
 * in the API worker, next to the call objects; this worker only owns the schedule. `scheduledTime`
 * (not the clock) decides what is due, so a late or repeated firing releases the same set.
 */
export default {
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(
      env.API.releaseDueCalls(controller.scheduledTime).then((r) => {
        console.log(JSON.stringify({ msg: "cron release", cron: controller.cron, campaigns: r.campaigns }));
      }),
    );
  },
} satisfies ExportedHandler<Env>;
