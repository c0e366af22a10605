import { and, eq } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import type { HangupResult } from "../objects/contracts";
import { callObject } from "../objects/stubs";
import type { Scope } from "../scope";

/**
 * Hangs up one of the tenant's calls through its object's hangup lock: among any number of
 * concurrent requests exactly one wins (`hung-up`); the rest, and calls in a stage that cannot be
 * hung up, get `not-hangable`. `not-found` for a call that is not the tenant's. The winner's
 * `call.hung_up` audit row is written by the call object in the same D1 batch as the hang-up.
 */
export async function hangUpCall(scope: Scope, callId: string): Promise<HangupResult | "not-found"> {
  // Tenant scoping happens here: the call object itself knows nothing of who asks.
  const { calls } = tables;
  const row = await scope.db.select({ id: calls.id }).from(calls).where(and(eq(calls.id, callId), eq(calls.tenantId, scope.tenantId))).get();
  if (!row) return "not-found";
  return callObject(scope.env, row.id).hangup("hung_up_by_api", { actor: scope.actor, requestId: scope.requestId });
}
