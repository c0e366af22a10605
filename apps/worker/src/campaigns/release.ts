import type { Env } from "../env";
import { tenantDispatcher } from "../objects/stubs";
import { errorSummary } from "../lib/log-safe";

/** Campaigns handed over per cron run; more wait for the next minute (each costs two subrequests). */
const CAMPAIGNS_PER_RUN = 100;
/** An immediate batch still `releasing` this long after its request: its hand-over failed. */
const STUCK_RELEASING_MS = 60_000;

/**
 * The cron's work: hands every campaign whose time has come to its tenant's dispatcher, which moves
 * its calls into the queue page by page on its own alarms (so a campaign of any size costs this
 * run two subrequests). Idempotent: the dispatcher takes a campaign once, and only `scheduled`
 * calls are ever queued, by compare-and-set, so repeated, overlapping or crashed runs queue each
 * call once. Overdue campaigns (after downtime) are simply due. Immediate batches whose hand-over
 * failed (`releasing` for a minute) are handed over again.
 */
export async function releaseDueCalls(env: Env, now: number): Promise<{ campaigns: number }> {
  const due = await env.DB.prepare(
    `SELECT id, tenant_id FROM campaigns WHERE status = 'scheduled' AND scheduled_at <= ?1
     UNION ALL
     SELECT id, tenant_id FROM campaigns WHERE status = 'releasing' AND created_at <= ?2
     LIMIT ?3`,
  )
    .bind(now, now - STUCK_RELEASING_MS, CAMPAIGNS_PER_RUN)
    .all<{ id: string; tenant_id: string }>();
  const handed: string[] = [];
  await Promise.all(
    due.results.map(async (campaign) => {
      try {
        await tenantDispatcher(env, campaign.tenant_id).releaseCampaign(campaign.tenant_id, campaign.id);
        handed.push(campaign.id);
      } catch (error) {
        console.error(JSON.stringify({ level: "error", msg: "campaign release failed; next run retries", batchId: campaign.id, error: errorSummary(error) }));
      }
    }),
  );
  await markReleased(env.DB, handed);
  return { campaigns: handed.length };
}

/** Marks campaigns their dispatcher has taken; a campaign canceled meanwhile stays canceled. */
export async function markReleased(db: D1Database, campaignIds: string[]) {
  if (campaignIds.length === 0) return;
  await db
    // `+status`: look campaigns up by id, not by scanning every scheduled one.
    .prepare(`UPDATE campaigns SET status = 'released' WHERE id IN (SELECT value FROM json_each(?)) AND +status IN ('scheduled', 'releasing')`)
    .bind(JSON.stringify(campaignIds))
    .run();
}
