import type { Env } from "../env";

/* The one place Durable Object stubs are looked up, each by the name its object is keyed on. */

/** The call's own object (keyed by call id). */
export function callObject(env: Pick<Env, "CALLS">, callId: string) {
  return env.CALLS.get(env.CALLS.idFromName(callId));
}

/** The tenant's dispatcher: its queue of calls and its lines (keyed by tenant id). */
export function tenantDispatcher(env: Pick<Env, "DISPATCHERS">, tenantId: string) {
  return env.DISPATCHERS.get(env.DISPATCHERS.idFromName(tenantId));
}

/** The sender of one customer webhook endpoint (keyed by endpoint id). */
export function webhookSender(env: Pick<Env, "WEBHOOKS">, endpointId: string) {
  return env.WEBHOOKS.get(env.WEBHOOKS.idFromName(endpointId));
}

/** The tenant's rate limiter: its request and call budgets (keyed by tenant id). */
export function tenantLimiter(env: Pick<Env, "LIMITERS">, tenantId: string) {
  return env.LIMITERS.get(env.LIMITERS.idFromName(tenantId));
}
