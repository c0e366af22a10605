import { and, eq } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import { recordAudit } from "../audit/record";
import type { HangupResult } from "../objects/contracts";
import { callObject } from "../objects/stubs";
import type { Scope } from "../scope";

/**
 * Hangs up one of the tenant's calls through its object's hangup lock: among any number of
 * concurrent requests exactly one wins (`hung-up`, audited); the rest, and calls in a stage that
 * cannot be hung up, get `not-hangable`. `not-found` for a call that is not the tenant's.
 */
export async function hangUpCall(scope: Scope, callId: string): Promise<HangupResult | "not-found"> {
  // Tenant scoping happens here: the call object itself knows nothing of who asks.
  const { calls } = tables;
  const row = await scope.db.select({ id: calls.id }).from(calls).where(and(eq(calls.id, callId), eq(calls.tenantId, scope.tenantId))).get();
  if (!row) return "not-found";
  const result = await callObject(scope.env, row.id).hangup();
  if (result === "hung-up") await recordAudit(scope, "call.hung_up", row.id);
  return result;
}
