import type { tables, TenantLimits } from "@switchboard/schemas";
import type { Env } from "../env";
import { errorSummary } from "../lib/log-safe";
import type { LimitBucket, LimitDecision } from "../objects/contracts";
import type { BucketSpec } from "../objects/limiter/bucket";
import { tenantLimiter } from "../objects/stubs";
import { RequestLeases } from "./request-lease";

type TenantRow = typeof tables.tenants.$inferSelect;
type LimitColumns = Pick<TenantRow, "requestsPerSecond" | "requestBurst" | "callsPerMinute" | "maxWebhookEndpoints">;

/**
 * What a tenant may do when neither the operator (PATCH /admin/tenants/{id} `limits`) nor the
 * deployment (`TENANT_LIMIT_DEFAULTS`) says otherwise. A 1,000-patient batch, the largest one
 * request may carry, fits the calls budget of a quiet minute.
 */
export const DEFAULT_LIMITS: Readonly<TenantLimits> = {
  requestsPerSecond: 50,
  requestBurst: 100,
  callsPerMinute: 1_000,
  webhookEndpoints: 20,
};

const cache = new Map<string, TenantLimits>();

/** The deployment's defaults: `TENANT_LIMIT_DEFAULTS` (JSON, any of the fields) over the built-in ones. */
export function deploymentDefaults(env: Pick<Env, "TENANT_LIMIT_DEFAULTS">): TenantLimits {
  const raw = env.TENANT_LIMIT_DEFAULTS;
  if (!raw) return DEFAULT_LIMITS;
  const known = cache.get(raw);
  if (known) return known;
  let parsed: TenantLimits = DEFAULT_LIMITS;
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    parsed = { ...DEFAULT_LIMITS };
    for (const key of Object.keys(DEFAULT_LIMITS) as (keyof TenantLimits)[]) {
      const n = value[key];
      if (typeof n === "number" && Number.isInteger(n) && n >= 0) parsed[key] = n;
    }
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "TENANT_LIMIT_DEFAULTS is not JSON; using the built-in defaults", error: errorSummary(error) }));
  }
  cache.set(raw, parsed);
  return parsed;
}

/** The limits that apply to a tenant now: the operator's setting for it, else the deployment's default. */
export function limitsOf(row: LimitColumns, env: Pick<Env, "TENANT_LIMIT_DEFAULTS">): TenantLimits {
  const defaults = deploymentDefaults(env);
  return {
    requestsPerSecond: row.requestsPerSecond ?? defaults.requestsPerSecond,
    requestBurst: row.requestBurst ?? defaults.requestBurst,
    callsPerMinute: row.callsPerMinute ?? defaults.callsPerMinute,
    webhookEndpoints: row.maxWebhookEndpoints ?? defaults.webhookEndpoints,
  };
}

/** A `limits` change from the API as tenant columns (null: back to the default; left out: unchanged). */
export function limitColumns(limits: Partial<Record<keyof TenantLimits, number | null | undefined>> | undefined): Partial<LimitColumns> {
  if (!limits) return {};
  const columns: Partial<LimitColumns> = {};
  if (limits.requestsPerSecond !== undefined) columns.requestsPerSecond = limits.requestsPerSecond;
  if (limits.requestBurst !== undefined) columns.requestBurst = limits.requestBurst;
  if (limits.callsPerMinute !== undefined) columns.callsPerMinute = limits.callsPerMinute;
  if (limits.webhookEndpoints !== undefined) columns.maxWebhookEndpoints = limits.webhookEndpoints;
  return columns;
}

/** The request budget: bursts of `requestBurst`, refilled at `requestsPerSecond`. */
export function requestBucket(limits: TenantLimits): BucketSpec {
  return { capacity: Math.max(1, limits.requestBurst), perSecond: limits.requestsPerSecond };
}

/** The calls budget: `callsPerMinute` at most in any minute, refilled evenly. */
export function callsBucket(limits: TenantLimits): BucketSpec {
  return { capacity: limits.callsPerMinute, perSecond: limits.callsPerMinute / 60 };
}

/** When the limiter cannot be reached the request goes through (logged): a limiter outage must not become an outage of the API. */
function letThrough(tenantId: string, bucket: LimitBucket, error: unknown): LimitDecision {
  console.error(JSON.stringify({ level: "error", msg: "rate limiter unreachable; request let through", tenantId, bucket, error: errorSummary(error) }));
  return { ok: true, remaining: 0 };
}

const leases = new RequestLeases();

/**
 * One request of the tenant's, on any of its surfaces: a token this isolate leased from the
 * tenant's limiter a moment ago, else a new lease (request-lease.ts).
 */
export async function takeRequest(env: Pick<Env, "LIMITERS">, tenantId: string, limits: TenantLimits): Promise<LimitDecision> {
  const spec = requestBucket(limits);
  try {
    return await leases.take(tenantId, spec, (most) => tenantLimiter(env, tenantId).lease("requests", spec, most));
  } catch (error) {
    return letThrough(tenantId, "requests", error);
  }
}

/** Reserves `count` calls of the tenant's per-minute budget before they are created: exact, one take per create request. */
export async function reserveCalls(env: Pick<Env, "LIMITERS">, tenantId: string, limits: TenantLimits, count: number): Promise<LimitDecision> {
  try {
    return await tenantLimiter(env, tenantId).take("calls", callsBucket(limits), count);
  } catch (error) {
    return letThrough(tenantId, "calls", error);
  }
}

/** Returns a reservation whose calls were not created (the request was refused). */
export async function returnCalls(env: Pick<Env, "LIMITERS">, tenantId: string, limits: TenantLimits, count: number): Promise<void> {
  try {
    await tenantLimiter(env, tenantId).giveBack("calls", callsBucket(limits), count);
  } catch (error) {
    console.error(JSON.stringify({ level: "warn", msg: "returning reserved calls failed", tenantId, error: errorSummary(error) }));
  }
}
