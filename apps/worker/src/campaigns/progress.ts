import { CALL_STATUSES, DEFER_REASONS, REFUSE_REASONS, WAITING_STATUSES, type CallStatus, type DeferReason, type RefuseReason } from "@switchboard/schemas";

/**
 * How many of a campaign's calls are in each status (every status listed, zeros included), and,
 * by reason, how many wait because the contact policy deferred them (until a time still to come)
 * and how many it refused.
 */
export async function campaignProgress(db: D1Database, tenantId: string, campaignId: string, now = Date.now()) {
  const rows = await db
    .prepare(
      `SELECT status, outcome, policy_decision, policy_reason, policy_until > ?3 AS pending, count(*) AS n
         FROM calls WHERE campaign_id = ?1 AND tenant_id = ?2
        GROUP BY status, outcome, policy_decision, policy_reason, pending`,
    )
    .bind(campaignId, tenantId, now)
    .all<{ status: CallStatus; outcome: string | null; policy_decision: string | null; policy_reason: string | null; pending: number | null; n: number }>();
  const byStatus = Object.fromEntries(CALL_STATUSES.map((s) => [s, 0])) as Record<CallStatus, number>;
  const deferred = Object.fromEntries(DEFER_REASONS.map((r) => [r, 0])) as Record<DeferReason, number>;
  const refused = Object.fromEntries(REFUSE_REASONS.map((r) => [r, 0])) as Record<RefuseReason, number>;
  for (const row of rows.results) {
    byStatus[row.status] += row.n;
    const reason = row.policy_reason as string;
    if (row.policy_decision === "defer" && row.pending === 1 && WAITING_STATUSES.includes(row.status) && reason in deferred) deferred[reason as DeferReason] += row.n;
    if (row.outcome === "refused" && reason in refused) refused[reason as RefuseReason] += row.n;
  }
  return { total: rows.results.reduce((sum, r) => sum + r.n, 0), byStatus, deferred, refused };
}
