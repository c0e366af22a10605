import type { Context } from "hono";
import type { CallCreate } from "@switchboard/schemas";
import { recordAudit } from "../audit/record";
import { createBatch, type CreateBatchOptions } from "./place";
import { dispatchBatch } from "./dispatch-batch";
import type { AppEnv } from "../http/context";
import { emitCallsCreated } from "../customer-webhooks/call-events";
import { getCallView, type CallView } from "./read-model";

/**
 * Places one call through the core, exactly as `POST /api/v1/calls` does (a one-call batch:
 * created, audited, announced with call.created, then handed to the tenant's dispatcher), and reads
 * it back for a surface to translate. Calls the core records without dialing (opted out) are not started.
 */
export async function placeOneCall(c: Context<AppEnv>, request: CallCreate, options: CreateBatchOptions = {}): Promise<CallView> {
  const { db, tenantId } = c.var;
  const batch = await createBatch(db, tenantId, request, Date.now(), options);
  await recordAudit(c, "call.created", batch.calls.map((call) => call.callId), { detail: { batchId: batch.batchId } });
  await emitCallsCreated(c.env, tenantId, batch, request);
  await dispatchBatch(c.env, tenantId, batch, (work) => c.executionCtx.waitUntil(work));
  const view = await getCallView(db, tenantId, batch.calls[0]!.callId);
  if (!view) throw new Error("call vanished after creation");
  return view;
}

export type EndCallResult = { result: "not-found" } | { result: "hung-up" | "not-hangable"; view: CallView };

/**
 * Hangs a call up through its object's hangup lock (one winner among concurrent requests), audits
 * the winner as DELETE /api/v1/calls/{id} does, then reads the call back.
 */
export async function endCall(c: Context<AppEnv>, callId: string): Promise<EndCallResult> {
  const { db, tenantId } = c.var;
  // Tenant scoping happens here: the call object knows nothing of who asks.
  if (!(await getCallView(db, tenantId, callId))) return { result: "not-found" };
  const result = await c.env.CALLS.get(c.env.CALLS.idFromName(callId)).hangup();
  if (result === "hung-up") await recordAudit(c, "call.hung_up", callId);
  return { result, view: (await getCallView(db, tenantId, callId))! };
}
