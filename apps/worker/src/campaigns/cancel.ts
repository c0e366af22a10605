import { tenantDatabase } from "../shards/directory";
import { bulkMove } from "../objects/dispatcher/bulk-move";
import type { Env } from "../env";
import { tenantDispatcher } from "../objects/stubs";

export interface CampaignCancellation {
  /** Calls that will never be dialed (again) because of this request. */
  canceled: number;
  /** Calls on a line when the campaign was canceled: left to finish. */
  live: number;
}

/**
 * Cancels a campaign: no call of it is dialed from now on. Calls on the line are left to finish
 * (hanging up on a patient mid-sentence is worse than letting a reminder end).
 *
 * Order matters. The campaign is marked first, and every call object checks it before each
 * attempt, so nothing can be dialed after this point whatever races below. Then, in bulk and by
 * compare-and-set: scheduled calls end `canceled`; the dispatcher drops the campaign's waiting
 * calls and says which are live; queued calls that are not live end `canceled`. Calls waiting for
 * a retry belong to their call objects: the dispatcher sends them through at once to be refused.
 * Null when the campaign is not the tenant's.
 */
export async function cancelCampaign(env: Env, tenantId: string, campaignId: string, now = Date.now()): Promise<CampaignCancellation | null> {
  const db = await tenantDatabase(env, tenantId);
  const inCampaign = "calls.campaign_id = ? AND calls.tenant_id = ?";
  const [campaign, , scheduled] = await db.batch([
    db.prepare("UPDATE campaigns SET status = 'canceled' WHERE id = ? AND tenant_id = ? RETURNING id").bind(campaignId, tenantId),
    ...bulkMove(db, {
      from: "scheduled", to: "canceled", type: "campaign.canceled", where: inCampaign, binds: [campaignId, tenantId],
      now, outcome: "canceled", detail: { batchId: campaignId },
    }),
  ]);
  if (!campaign?.results.length) return null;

  const held = await tenantDispatcher(env, tenantId).cancelCampaign(tenantId, campaignId);
  const [, queued] = await db.batch(
    bulkMove(db, {
      from: "queued", to: "canceled", type: "campaign.canceled",
      where: `${inCampaign} AND calls.id NOT IN (SELECT value FROM json_each(?))`,
      binds: [campaignId, tenantId, JSON.stringify(held.live)],
      now, outcome: "canceled", detail: { batchId: campaignId },
    }),
  );
  return {
    canceled: (scheduled?.meta.changes ?? 0) + (queued?.meta.changes ?? 0) + held.retries,
    live: held.live.length,
  };
}
