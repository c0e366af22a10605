import { shardDatabases } from "../shards/directory";
import type { Env } from "../env";
import { tenantDispatcher } from "../objects/stubs";
import { errorSummary } from "../lib/log-safe";
import { finishPendingCancels } from "./cancel";

/** Campaigns handed over per cron run; more wait for the next minute (each costs one subrequest). */
const CAMPAIGNS_PER_RUN = 100;
/** An immediate batch still `releasing` this long after its request: its hand-over failed. */
const STUCK_RELEASING_MS = 60_000;

/**
 * The cron's work: hands every campaign whose time has come to its tenant's dispatcher, which marks
 * it released and moves its calls into the queue page by page on its own alarms (so a campaign of
 * any size costs this run one subrequest). Idempotent: the dispatcher takes a campaign once, and only `scheduled`
 * calls are ever queued, by compare-and-set, so repeated, overlapping or crashed runs queue each
 * call once. Overdue campaigns (after downtime) are simply due. Immediate batches whose hand-over
 * failed (`releasing` for a minute) are handed over again, and cancels whose second half never ran
 * are finished (campaigns/cancel.ts).
 */
export async function releaseDueCalls(env: Env, now: number): Promise<{ campaigns: number; cancelsFinished: number }> {
  // Cancels left half done (a crash, an unreachable dispatcher) are finished here too.
  const cancels = await finishPendingCancels(env, now).catch((error: unknown) => {
    console.error(JSON.stringify({ level: "error", msg: "finishing campaign cancels failed; next run retries", error: errorSummary(error) }));
    return { finished: 0 };
  });
  // Every shard, each with its own limit.
  const due = await Promise.all(
    shardDatabases(env).map((d1) =>
      d1
        .prepare(
          `SELECT id, tenant_id FROM campaigns WHERE status = 'scheduled' AND scheduled_at <= ?1
           UNION ALL
           SELECT id, tenant_id FROM campaigns WHERE status = 'releasing' AND created_at <= ?2
           LIMIT ?3`,
        )
        .bind(now, now - STUCK_RELEASING_MS, CAMPAIGNS_PER_RUN)
        .all<{ id: string; tenant_id: string }>(),
    ),
  );
  let handed = 0;
  await Promise.all(
    due.flatMap((d) => d.results).map(async (campaign) => {
      try {
        await tenantDispatcher(env, campaign.tenant_id).releaseCampaign(campaign.tenant_id, campaign.id);
        handed += 1;
      } catch (error) {
        console.error(JSON.stringify({ level: "error", msg: "campaign release failed; next run retries", batchId: campaign.id, error: errorSummary(error) }));
      }
    }),
  );
  return { campaigns: handed, cancelsFinished: cancels.finished };
}
