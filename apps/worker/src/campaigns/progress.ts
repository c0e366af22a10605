import { CALL_STATUSES, DEFER_REASONS, REFUSE_REASONS, WAITING_STATUSES, type CallStatus, type CampaignProgress, type DeferReason, type RefuseReason } from "@switchboard/schemas";
import { iso } from "../lib/time";

interface StatusRow {
  campaign_id: string;
  status: CallStatus;
  n: number;
  first_started: number | null;
  last_ended: number | null;
}

/**
 * How far along each campaign is: its calls per status (every status listed, zeros included), when
 * it started and finished, and when it should finish at its pace so far. One query for a page of
 * campaigns. `status` is the campaign's own (a canceled campaign has no expected finish).
 */
export async function campaignProgress(
  db: D1Database,
  tenantId: string,
  campaigns: readonly { id: string; status: string }[],
  now = Date.now(),
): Promise<Map<string, CampaignProgress>> {
  const rows = campaigns.length
    ? await db
        .prepare(
          // `+tenant_id`: the campaigns' index, not every call of the tenant's (see contact-policy/facts.ts).
          `SELECT campaign_id, status, count(*) AS n, min(started_at) AS first_started, max(ended_at) AS last_ended
           FROM calls WHERE +tenant_id = ? AND campaign_id IN (SELECT value FROM json_each(?))
           GROUP BY campaign_id, status`,
        )
        .bind(tenantId, JSON.stringify(campaigns.map((c) => c.id)))
        .all<StatusRow>()
    : { results: [] as StatusRow[] };
  const byCampaign = new Map<string, StatusRow[]>();
  for (const row of rows.results) byCampaign.set(row.campaign_id, [...(byCampaign.get(row.campaign_id) ?? []), row]);
  return new Map(campaigns.map((c) => [c.id, summarize(byCampaign.get(c.id) ?? [], c.status, now)]));
}

function summarize(rows: StatusRow[], campaignStatus: string, now: number): CampaignProgress {
  const byStatus = Object.fromEntries(CALL_STATUSES.map((s) => [s, 0])) as Record<CallStatus, number>;
  let firstStarted: number | null = null;
  let lastEnded: number | null = null;
  for (const row of rows) {
    byStatus[row.status] = row.n;
    if (row.first_started !== null) firstStarted = Math.min(firstStarted ?? row.first_started, row.first_started);
    if (row.last_ended !== null) lastEnded = Math.max(lastEnded ?? row.last_ended, row.last_ended);
  }
  const total = rows.reduce((sum, r) => sum + r.n, 0);
  const ended = byStatus.completed + byStatus.failed + byStatus.canceled;
  const remaining = total - ended;
  // The pace: calls that went through a line (canceled ones never did) per unit of time since the first was dialed.
  const throughput = byStatus.completed + byStatus.failed;
  const expectedFinishAt =
    remaining > 0 && campaignStatus !== "canceled" && firstStarted !== null && throughput > 0
      ? now + Math.round((remaining * Math.max(0, now - firstStarted)) / throughput)
      : null;
  return {
    total,
    byStatus,
    ended,
    startedAt: iso(firstStarted),
    finishedAt: total > 0 && remaining === 0 ? iso(lastEnded) : null,
    expectedFinishAt: iso(expectedFinishAt),
  };
}

/**
 * By reason, how many of a campaign's calls wait because the contact policy deferred them (until a
 * time still to come) and how many it refused.
 */
export async function campaignPolicyCounts(db: D1Database, tenantId: string, campaignId: string, now = Date.now()) {
  const rows = await db
    .prepare(
      `SELECT status, outcome, policy_decision, policy_reason, policy_until > ?3 AS pending, count(*) AS n
         FROM calls WHERE campaign_id = ?1 AND +tenant_id = ?2 AND policy_decision IN ('defer', 'refuse')
        GROUP BY status, outcome, policy_decision, policy_reason, pending`,
    )
    .bind(campaignId, tenantId, now)
    .all<{ status: CallStatus; outcome: string | null; policy_decision: string | null; policy_reason: string | null; pending: number | null; n: number }>();
  const deferred = Object.fromEntries(DEFER_REASONS.map((r) => [r, 0])) as Record<DeferReason, number>;
  const refused = Object.fromEntries(REFUSE_REASONS.map((r) => [r, 0])) as Record<RefuseReason, number>;
  for (const row of rows.results) {
    const reason = row.policy_reason as string;
    if (row.policy_decision === "defer" && row.pending === 1 && WAITING_STATUSES.includes(row.status) && reason in deferred) deferred[reason as DeferReason] += row.n;
    if (row.outcome === "refused" && reason in refused) refused[reason as RefuseReason] += row.n;
  }
  return { deferred, refused };
}
