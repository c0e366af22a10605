import { effectiveWindow, legalWindow, parseClock, type CallingWindow } from "./calling-window";

/** What the dispatcher needs to know about its tenant. */
export interface DispatchConfig {
  limit: number;
  /** For patients without a time zone. */
  timezone: string;
  /** The tenant's calling hours inside the deployment's legal window. */
  window: CallingWindow;
  loadedAt: number;
}

/** A tenant row's dispatch settings; null when the tenant does not exist. */
export async function loadDispatchConfig(
  env: { DB: D1Database; CALLING_HOURS?: string },
  tenantId: string,
  now: number,
): Promise<DispatchConfig | null> {
  const row = await env.DB.prepare(
    "SELECT concurrency_limit, timezone, calling_hours_start, calling_hours_end FROM tenants WHERE id = ?",
  )
    .bind(tenantId)
    .first<{ concurrency_limit: number; timezone: string; calling_hours_start: string | null; calling_hours_end: string | null }>();
  if (!row) return null;
  const legal = legalWindow(env);
  const narrowed =
    row.calling_hours_start && row.calling_hours_end
      ? effectiveWindow(legal, { start: parseClock(row.calling_hours_start), end: parseClock(row.calling_hours_end) })
      : legal;
  return {
    limit: Math.max(1, row.concurrency_limit),
    timezone: row.timezone,
    window: narrowed,
    loadedAt: now,
  };
}
