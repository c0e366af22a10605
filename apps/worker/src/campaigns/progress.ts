import { CALL_STATUSES, type CallStatus } from "@switchboard/schemas";

/** How many of a campaign's calls are in each status (every status listed, zeros included). */
export async function campaignProgress(db: D1Database, tenantId: string, campaignId: string) {
  const rows = await db
    .prepare("SELECT status, count(*) AS n FROM calls WHERE campaign_id = ? AND tenant_id = ? GROUP BY status")
    .bind(campaignId, tenantId)
    .all<{ status: CallStatus; n: number }>();
  const byStatus = Object.fromEntries(CALL_STATUSES.map((s) => [s, 0])) as Record<CallStatus, number>;
  for (const row of rows.results) byStatus[row.status] = row.n;
  return { total: rows.results.reduce((sum, r) => sum + r.n, 0), byStatus };
}
