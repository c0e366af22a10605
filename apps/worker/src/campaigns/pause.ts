import { emitEvent } from "../customer-webhooks/emit";
import { recordAudit } from "../audit/record";
import { DomainError } from "../errors";
import { errorSummary } from "../lib/log-safe";
import { iso } from "../lib/time";
import { tenantDispatcher } from "../objects/stubs";
import type { Scope } from "../scope";

export interface PauseResult {
  paused: boolean;
  /** False when the campaign already was paused (or running). */
  changed: boolean;
  /** Calls on a line: left to finish. */
  live: number;
}

/**
 * Pauses a campaign: none of its calls is dialed until it is resumed; calls on the line finish;
 * waiting calls keep their places in the tenant's queue. The mark in D1 comes first and every
 * call object checks it before dialing, so nothing is dialed after this returns, whatever races
 * with it. Audited (`campaign.paused`) and announced (`campaign.paused` webhook). Idempotent.
 * Null when the campaign is not the tenant's.
 */
export async function pauseCampaign(scope: Scope, campaignId: string, now = Date.now()): Promise<PauseResult | null> {
  const [existing, updated] = await scope.db.$client.batch([
    scope.db.$client.prepare("SELECT status FROM campaigns WHERE id = ? AND tenant_id = ?").bind(campaignId, scope.tenantId),
    scope.db.$client.prepare(
      `UPDATE campaigns SET paused_at = coalesce(paused_at, ?3) WHERE id = ?1 AND tenant_id = ?2 AND status <> 'canceled'
       RETURNING paused_at = ?3 AS changed`,
    ).bind(campaignId, scope.tenantId, now),
  ]);
  if (!existing?.results.length) return null;
  const row = updated?.results[0] as { changed: number } | undefined;
  if (!row) throw new DomainError("CAMPAIGN_CANCELED", "The campaign is canceled: there is nothing to pause");
  const { live } = await tenantDispatcher(scope.env, scope.tenantId).pauseCampaign(scope.tenantId, campaignId);
  if (row.changed) {
    await recordAudit(scope, "campaign.paused", campaignId, { live });
    await announce(scope, "campaign.paused", `campaign:${campaignId}:paused:${now}`, { batch_id: campaignId, paused_at: iso(now), live });
  }
  return { paused: true, changed: row.changed === 1, live };
}

/** Resumes a paused campaign: its calls take lines again in the order they had. Idempotent. */
export async function resumeCampaign(scope: Scope, campaignId: string, now = Date.now()): Promise<PauseResult | null> {
  const before = await scope.db.$client.prepare("SELECT status, paused_at FROM campaigns WHERE id = ? AND tenant_id = ?")
    .bind(campaignId, scope.tenantId)
    .first<{ status: string; paused_at: number | null }>();
  if (!before) return null;
  if (before.status === "canceled") throw new DomainError("CAMPAIGN_CANCELED", "The campaign is canceled: it cannot be resumed");
  const cleared = before.paused_at === null ? null : await scope.db.$client.prepare("UPDATE campaigns SET paused_at = NULL WHERE id = ? AND tenant_id = ? AND paused_at = ? RETURNING id")
    .bind(campaignId, scope.tenantId, before.paused_at)
    .first<{ id: string }>();
  // Told even when D1 says it was not paused: a pause whose dispatcher step failed is undone too.
  const { live } = await tenantDispatcher(scope.env, scope.tenantId).resumeCampaign(scope.tenantId, campaignId);
  if (cleared) {
    await recordAudit(scope, "campaign.resumed", campaignId, {});
    await announce(scope, "campaign.resumed", `campaign:${campaignId}:resumed:${now}`, { batch_id: campaignId, resumed_at: iso(now) });
  }
  return { paused: false, changed: cleared !== null, live };
}

async function announce(scope: Scope, type: "campaign.paused" | "campaign.resumed", key: string, data: Record<string, unknown>) {
  try {
    await emitEvent(scope.env, scope.tenantId, type, data, { key });
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: `${type} emit failed`, tenantId: scope.tenantId, error: errorSummary(error) }));
  }
}
