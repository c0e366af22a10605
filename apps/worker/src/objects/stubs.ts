import type { Env } from "../env";

export function callStub(env: Env, callId: string) {
  return env.CALLS.get(env.CALLS.idFromName(callId));
}

/** The tenant's dispatcher: its queue of calls and its lines. */
export function dispatcherFor(env: Env, tenantId: string) {
  return env.DISPATCHERS.get(env.DISPATCHERS.idFromName(tenantId));
}
