import type { Env } from "../env";
import { startCalls } from "./dispatch";

/** Calls released per cron run; the rest wait for the next run (keeps one run inside Workers limits). */
const RELEASE_LIMIT = 200;

/**
 * Starts scheduled calls whose time has come. Idempotent by construction: it selects by the calls'
 * own status, and a call object never dials twice, so repeated or overlapping runs and a run that
 * crashed half way release each call once. Overdue calls (after downtime) are simply due.
 */
export async function releaseDueCalls(env: Env, now: number): Promise<{ released: number }> {
  const due = await env.DB.prepare(
    `SELECT id FROM calls WHERE status = 'scheduled' AND scheduled_at <= ? ORDER BY scheduled_at, created_at LIMIT ?`,
  )
    .bind(now, RELEASE_LIMIT)
    .all<{ id: string }>();
  const calls = due.results.map((r) => ({ callId: r.id, status: "scheduled" as const }));
  await startCalls(env, calls);
  await env.DB.prepare(
    `UPDATE campaigns SET status = 'released'
      WHERE status = 'scheduled' AND scheduled_at <= ?
        AND NOT EXISTS (SELECT 1 FROM calls WHERE calls.campaign_id = campaigns.id AND calls.status = 'scheduled')`,
  )
    .bind(now)
    .run();
  return { released: calls.length };
}
