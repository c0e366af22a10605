import { shardDatabases, tenantDatabase } from "../shards/directory";
import { bulkMove } from "../objects/dispatcher/bulk-move";
import type { Env } from "../env";
import { DomainError } from "../errors";
import { errorSummary } from "../lib/log-safe";
import { tenantDispatcher } from "../objects/stubs";

export interface CampaignCancellation {
  /** Calls that will never be dialed (again) because of this request. */
  canceled: number;
  /** Calls on a line when the campaign was canceled: left to finish. */
  live: number;
}

/** A cancel whose second half has not run this long after it began is finished by the cron. */
export const CANCEL_FINISHED_BY_CRON_AFTER_MS = 60_000;
const CANCELS_PER_RUN = 50;

/** The campaign's calls, through the campaign's index (`+`: not a walk of every call of the tenant's). */
const IN_CAMPAIGN = "calls.campaign_id = ? AND +calls.tenant_id = ?";

/**
 * Cancels a campaign: no call of it is dialed from now on. Calls on the line are left to finish
 * (hanging up on a patient mid-sentence is worse than letting a reminder end).
 *
 * Order matters. The campaign is marked first, with its scheduled calls ended `canceled`, in one
 * batch; every call object checks the campaign before each attempt, so nothing can be dialed after
 * this point whatever races below. The mark stays "pending" (`cancel_pending_since`) until the
 * rest is done (`finishCancel`): the dispatcher drops the campaign's waiting calls and says which
 * are live; queued calls that are not live end `canceled`, and the mark is cleared, in one batch.
 * A crash or an unreachable dispatcher in between leaves the mark, and the cron finishes the cancel
 * within a couple of minutes: no call is left `queued` for ever. Null when the campaign is not the
 * tenant's. `audit` (the request's record of the cancel) is written in the same batch as the
 * campaign's mark, only if the campaign is the tenant's.
 */
export async function cancelCampaign(env: Env, tenantId: string, campaignId: string, now = Date.now(), audit: D1PreparedStatement[] = []): Promise<CampaignCancellation | null> {
  const db = await tenantDatabase(env, tenantId);
  const [campaign, ...after] = await db.batch([
    db
      .prepare("UPDATE campaigns SET status = 'canceled', cancel_pending_since = coalesce(cancel_pending_since, ?3) WHERE id = ?1 AND tenant_id = ?2 RETURNING id")
      .bind(campaignId, tenantId, now),
    ...audit,
    ...bulkMove(db, {
      from: "scheduled", to: "canceled", type: "campaign.canceled", where: IN_CAMPAIGN, binds: [campaignId, tenantId],
      now, outcome: "canceled", detail: { batchId: campaignId },
    }),
  ]);
  const scheduled = after[audit.length + 1];
  if (!campaign?.results.length) return null;
  let rest: { canceled: number; live: number };
  try {
    rest = await finishCancel(env, tenantId, campaignId, now);
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "campaign cancel left for the cron to finish", batchId: campaignId, error: errorSummary(error) }));
    throw new DomainError(
      "CAMPAIGN_CANCEL_PENDING",
      "The campaign is canceled and none of its calls will be dialed; ending its queued calls did not finish now and completes within a few minutes. Cancel again to see the counts.",
    );
  }
  return { canceled: (scheduled?.meta.changes ?? 0) + rest.canceled, live: rest.live };
}

/**
 * The second half of a cancel, once the campaign is marked: the dispatcher drops the campaign's
 * waiting calls (retries it sends through to be refused), then queued calls that are not live end
 * `canceled` by compare-and-set, in the batch that clears the pending mark. Idempotent.
 */
export async function finishCancel(env: Env, tenantId: string, campaignId: string, now = Date.now()): Promise<CampaignCancellation> {
  const db = await tenantDatabase(env, tenantId);
  const held = await tenantDispatcher(env, tenantId).cancelCampaign(tenantId, campaignId);
  const [, queued] = await db.batch([
    ...bulkMove(db, {
      from: "queued", to: "canceled", type: "campaign.canceled",
      where: `${IN_CAMPAIGN} AND calls.id NOT IN (SELECT value FROM json_each(?))`,
      binds: [campaignId, tenantId, JSON.stringify(held.live)],
      now, outcome: "canceled", detail: { batchId: campaignId },
    }),
    db.prepare("UPDATE campaigns SET cancel_pending_since = NULL WHERE id = ? AND tenant_id = ?").bind(campaignId, tenantId),
  ]);
  return { canceled: (queued?.meta.changes ?? 0) + held.retries, live: held.live.length };
}

/** The cron's part: finishes cancels whose second half never ran, on every shard. Safe to overlap and repeat. */
export async function finishPendingCancels(env: Env, now: number): Promise<{ finished: number }> {
  const pending = await Promise.all(
    shardDatabases(env).map((d1) =>
      d1
        .prepare(`SELECT id, tenant_id FROM campaigns WHERE cancel_pending_since IS NOT NULL AND cancel_pending_since <= ? LIMIT ?`)
        .bind(now - CANCEL_FINISHED_BY_CRON_AFTER_MS, CANCELS_PER_RUN)
        .all<{ id: string; tenant_id: string }>(),
    ),
  );
  let finished = 0;
  await Promise.all(
    pending.flatMap((p) => p.results).map(async (campaign) => {
      try {
        await finishCancel(env, campaign.tenant_id, campaign.id, now);
        finished += 1;
      } catch (error) {
        console.error(JSON.stringify({ level: "error", msg: "finishing a campaign cancel failed; next run retries", batchId: campaign.id, error: errorSummary(error) }));
      }
    }),
  );
  return { finished };
}
