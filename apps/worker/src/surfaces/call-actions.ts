import type { CallCreate } from "@switchboard/schemas";
import { createBatch, type CreateBatchOptions } from "../calls/create-batch";
import { dispatchBatch } from "../calls/dispatch-batch";
import type { Env } from "../env";
import type { Db } from "../lib/db";
import { getCallView, type CallView } from "./call-view";

/**
 * Places one call through the core, exactly as `POST /api/v1/calls` does (a one-call batch), and
 * reads it back for a surface to translate. Calls the core records without dialing (opted out) are not started.
 */
export async function placeOneCall(env: Env, db: Db, tenantId: string, request: CallCreate, options: CreateBatchOptions = {}): Promise<CallView> {
  const batch = await createBatch(db, tenantId, request, Date.now(), options);
  await dispatchBatch(env, tenantId, batch);
  const view = await getCallView(db, tenantId, batch.calls[0]!.callId);
  if (!view) throw new Error("call vanished after creation");
  return view;
}

export type EndCallResult = { result: "not-found" } | { result: "hung-up" | "not-hangable"; view: CallView };

/** Hangs a call up through its object's hangup lock (one winner among concurrent requests), then reads it back. */
export async function endCall(env: Env, db: Db, tenantId: string, callId: string): Promise<EndCallResult> {
  // Tenant scoping happens here: the call object knows nothing of who asks.
  if (!(await getCallView(db, tenantId, callId))) return { result: "not-found" };
  const result = await env.CALLS.get(env.CALLS.idFromName(callId)).hangup();
  return { result, view: (await getCallView(db, tenantId, callId))! };
}
