import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { reserveCalls, returnCalls, takeRequest } from "../../tenants/limits";
import type { AppEnv } from "../context";
import { HttpError, TooManyRequests } from "../errors";

/**
 * Every request of a tenant, on any of its surfaces, spends one token of its request budget (leased
 * to this isolate a few at a time: tenants/request-lease.ts); an empty budget answers 429 with
 * Retry-After in the surface's shape. Mount it after authentication
 * (the budget is the tenant's) and before Idempotency-Key (a refused request is not stored).
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { limits } = c.var;
  const decision = await takeRequest(c.env, c.var.tenantId, limits);
  if (!decision.ok) {
    throw new TooManyRequests(
      `Rate limit exceeded: this tenant may make ${limits.requestsPerSecond} requests per second (bursts of ${limits.requestBurst}) across its API surfaces; retry after Retry-After seconds`,
      (decision.retryAfterMs ?? 1000) / 1000,
    );
  }
  await next();
});

/**
 * Calls created per minute, counted per call: a route that creates calls reserves them from the
 * tenant's budget before anything runs, and gets them back if the request is refused (4xx: nothing
 * was created). `countOf` says how many calls the request would create (0: let validation answer).
 */
export function callQuota(countOf: (c: Context<AppEnv>) => number | Promise<number>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const count = await countOf(c);
    if (count <= 0) return next();
    const { limits, tenantId } = c.var;
    const decision = await reserveCalls(c.env, tenantId, limits, count);
    if (!decision.ok) {
      if (decision.retryAfterMs === null) {
        throw new HttpError(400, `This request would create ${count} calls; this tenant may create at most ${limits.callsPerMinute} calls per minute: split it into smaller batches`);
      }
      throw new TooManyRequests(
        `Call creation limit reached: this tenant may create ${limits.callsPerMinute} calls per minute (this request would create ${count}); retry after Retry-After seconds`,
        decision.retryAfterMs / 1000,
      );
    }
    await next();
    if (c.res.status >= 400 && c.res.status < 500) await returnCalls(c.env, tenantId, limits, count);
  });
}

/** The number of patients in a JSON body's `patients` array (0 when it has none: validation answers). */
export async function patientsInBody(c: Context<AppEnv>): Promise<number> {
  try {
    const body = (await c.req.json()) as { patients?: unknown } | null;
    return Array.isArray(body?.patients) ? body.patients.length : 0;
  } catch {
    return 0;
  }
}
