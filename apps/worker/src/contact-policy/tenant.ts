import { clockMinutes, intersectWindows, TenantContactPolicy, type Purpose } from "@switchboard/schemas";
import { clockOf, deploymentWindow, type PolicyEnv } from "./deployment";

/** The tenant row's columns the policy reads. */
export interface TenantPolicyRow {
  timezone: string;
  calling_hours_start: string | null;
  calling_hours_end: string | null;
  /** JSON `{ caps?, allowedPurposes? }`. */
  contact_policy: string | null;
}

export interface TenantPolicy {
  /** For patients without a time zone. */
  timeZone: string;
  /** What the engine applies: hours already narrowed to the deployment's bound. */
  policy: TenantContactPolicy;
}

/** The stored tightening beyond hours; anything unreadable is dropped (it was validated on write). */
export function storedTightening(json: string | null): { caps?: TenantContactPolicy["caps"]; allowedPurposes?: Purpose[] } {
  if (!json) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return {};
  }
  const parsed = TenantContactPolicy.omit({ callingHours: true }).safeParse(value);
  return parsed.success ? parsed.data : {};
}

/**
 * The tenant's policy as the engine takes it. Its calling hours are the tenant's own inside the
 * deployment's (`CALLING_HOURS`); when they share no time, an empty window, which the engine
 * refuses with `no_calling_window` rather than guessing.
 */
export function tenantPolicyOf(row: TenantPolicyRow, env: PolicyEnv): TenantPolicy {
  const deployment = deploymentWindow(env);
  const own = row.calling_hours_start && row.calling_hours_end ? { start: clockMinutes(row.calling_hours_start), end: clockMinutes(row.calling_hours_end) } : null;
  const window = own ? intersectWindows(deployment, own) : deployment;
  const callingHours = window ? { start: clockOf(window.start), end: clockOf(window.end) } : { start: "00:00", end: "00:00" };
  return { timeZone: row.timezone, policy: { callingHours, ...storedTightening(row.contact_policy) } };
}

export async function loadTenantPolicy(db: D1Database, tenantId: string, env: PolicyEnv): Promise<TenantPolicy | null> {
  const row = await db
    .prepare("SELECT timezone, calling_hours_start, calling_hours_end, contact_policy FROM tenants WHERE id = ?")
    .bind(tenantId)
    .first<TenantPolicyRow>();
  return row ? tenantPolicyOf(row, env) : null;
}
