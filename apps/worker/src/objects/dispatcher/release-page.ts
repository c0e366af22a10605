import { bulkMove, measure, type D1Meter } from "./bulk-move";

/** Where a campaign's release has got to: calls are taken in (created_at, id) order. */
export interface ReleaseCursor {
  createdAt: number;
  id: string;
}

export interface ReleasedCall {
  callId: string;
  timezone: string | null;
}

export const RELEASE_PAGE_SIZE = 500;

/**
 * One page of a campaign's release: reads the next calls still waiting to be queued, and moves
 * the `scheduled` ones to `queued` in one atomic batch (one bound parameter carries all their ids).
 * Calls already `queued` on the page are returned too: a run that crashed after this batch but
 * before the dispatcher took them re-reads the page and hands them over again (the dispatcher
 * ignores calls it already has). Nothing is taken from a canceled campaign.
 */
export async function releasePage(
  db: D1Database,
  tenantId: string,
  campaignId: string,
  cursor: ReleaseCursor,
  now: number,
  meter: D1Meter,
): Promise<{ calls: ReleasedCall[]; next: ReleaseCursor | null }> {
  const page = measure(
    meter,
    await db
      .prepare(
        `SELECT c.id, c.created_at, c.status, p.timezone
           FROM calls c
           JOIN campaigns cp ON cp.id = c.campaign_id AND cp.status <> 'canceled'
           LEFT JOIN patients p ON p.id = c.patient_id AND p.tenant_id = c.tenant_id
          WHERE c.campaign_id = ? AND c.tenant_id = ? AND c.status IN ('scheduled', 'queued')
            AND (c.created_at, c.id) > (?, ?)
          ORDER BY c.created_at, c.id
          LIMIT ?`,
      )
      .bind(campaignId, tenantId, cursor.createdAt, cursor.id, RELEASE_PAGE_SIZE)
      .all<{ id: string; created_at: number; status: string; timezone: string | null }>(),
  ).results;
  if (page.length === 0) return { calls: [], next: null };

  const scheduled = page.filter((c) => c.status === "scheduled").map((c) => c.id);
  if (scheduled.length) {
    measure(
      meter,
      await db.batch(
        bulkMove(db, {
          from: "scheduled",
          to: "queued",
          type: "released",
          where: "calls.id IN (SELECT value FROM json_each(?))",
          binds: [JSON.stringify(scheduled)],
          now,
          detail: { batchId: campaignId },
        }),
      ),
    );
  }
  const last = page[page.length - 1]!;
  return {
    calls: page.map((c) => ({ callId: c.id, timezone: c.timezone })),
    next: page.length < RELEASE_PAGE_SIZE ? null : { createdAt: last.created_at, id: last.id },
  };
}
