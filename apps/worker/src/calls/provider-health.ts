import { VENDOR_PROVIDERS, type ProviderHealth } from "@switchboard/schemas";

/** The history events that record a placement, and the partial index (call_events_tenant_provider_idx) that holds them. */
const PLACEMENT_EVENTS = "type IN ('provider.attempt', 'provider.placed', 'provider.refused', 'provider.failover')";

const COUNTERS = {
  "provider.attempt": "attempts",
  "provider.placed": "placements",
  "provider.refused": "failures",
  "provider.failover": "failovers",
} as const;

/**
 * How each provider did for the tenant since `since`, from what the calls' histories already hold:
 * placements tried, taken, refused and failed over, and the median time from dialing to pickup of
 * the calls someone answered. Vendors the tenant has configured are listed even when idle.
 */
export async function providerHealth(db: D1Database, tenantId: string, since: number): Promise<ProviderHealth[]> {
  const [events, answers, configured] = await db.batch([
    db
      .prepare(
        `SELECT COALESCE(json_extract(detail, '$.provider'), json_extract(detail, '$.from')) AS provider, type, count(*) AS n
         FROM call_events WHERE tenant_id = ?1 AND at >= ?2 AND ${PLACEMENT_EVENTS}
         GROUP BY 1, 2`,
      )
      .bind(tenantId, since),
    // Time to answer: from the attempt's `dialing` to pickup (a retried call counts from its last dialing).
    db
      .prepare(
        `WITH answered AS (
           SELECT c.provider AS provider,
                  c.answered_at - (SELECT max(d.at) FROM call_events d WHERE d.call_id = c.id AND d.to_status = 'dialing' AND d.at <= c.answered_at) AS ms
           FROM calls c WHERE c.tenant_id = ?1 AND c.answered_at IS NOT NULL AND c.answered_at >= ?2
         ),
         ranked AS (
           SELECT provider, ms, row_number() OVER (PARTITION BY provider ORDER BY ms) AS rn, count(*) OVER (PARTITION BY provider) AS n
           FROM answered WHERE ms IS NOT NULL
         )
         SELECT provider, max(n) AS answered, avg(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN ms END) AS median_ms
         FROM ranked GROUP BY provider`,
      )
      .bind(tenantId, since),
    db.prepare("SELECT provider FROM provider_credentials WHERE tenant_id = ?").bind(tenantId),
  ]);

  const health = new Map<string, ProviderHealth>();
  const entry = (provider: string) => {
    let row = health.get(provider);
    if (!row) {
      row = { provider, attempts: 0, placements: 0, failures: 0, failovers: 0, answered: 0, medianTimeToAnswerSeconds: null };
      health.set(provider, row);
    }
    return row;
  };
  for (const { provider } of configured!.results as { provider: string }[]) entry(provider);
  for (const row of events!.results as { provider: string | null; type: keyof typeof COUNTERS; n: number }[]) {
    if (row.provider) entry(row.provider)[COUNTERS[row.type]] += row.n;
  }
  for (const row of answers!.results as { provider: string; answered: number; median_ms: number | null }[]) {
    const target = entry(row.provider);
    target.answered = row.answered;
    target.medianTimeToAnswerSeconds = row.median_ms === null ? null : Math.round(row.median_ms / 100) / 10;
  }
  const order = (p: string) => (p === "simulator" ? -1 : VENDOR_PROVIDERS.indexOf(p as (typeof VENDOR_PROVIDERS)[number]));
  return [...health.values()].sort((a, b) => order(a.provider) - order(b.provider) || a.provider.localeCompare(b.provider));
}
