import { CALL_OUTCOMES, type CallOutcome } from "@switchboard/schemas";

const HOUR_MS = 3_600_000;

export interface HourOfCalls {
  hour: string;
  total: number;
  byOutcome: Record<CallOutcome, number>;
}

/** The campaign's calls that ended in each hour (UTC), by outcome, oldest hour first; hours with none left out. */
export async function campaignHourly(db: D1Database, tenantId: string, campaignId: string): Promise<HourOfCalls[]> {
  const rows = await db
    .prepare(
      `SELECT (ended_at / ${HOUR_MS}) * ${HOUR_MS} AS hour, outcome, count(*) AS n
       FROM calls WHERE campaign_id = ? AND tenant_id = ? AND ended_at IS NOT NULL
       GROUP BY hour, outcome ORDER BY hour`,
    )
    .bind(campaignId, tenantId)
    .all<{ hour: number; outcome: CallOutcome | null; n: number }>();
  const hours = new Map<number, HourOfCalls>();
  for (const row of rows.results) {
    let entry = hours.get(row.hour);
    if (!entry) {
      entry = { hour: new Date(row.hour).toISOString(), total: 0, byOutcome: Object.fromEntries(CALL_OUTCOMES.map((o) => [o, 0])) as Record<CallOutcome, number> };
      hours.set(row.hour, entry);
    }
    entry.total += row.n;
    if (row.outcome !== null && row.outcome in entry.byOutcome) entry.byOutcome[row.outcome] += row.n;
  }
  return [...hours.values()];
}
