import type { CallStatus } from "@switchboard/schemas";
import type { Env } from "../env";
import type { CreatedBatch } from "./create-batch";
import { markReleased } from "./release";

export function callStub(env: Env, callId: string) {
  return env.CALLS.get(env.CALLS.idFromName(callId));
}

/** The tenant's dispatcher: its queue of calls and its lines. */
export function dispatcherFor(env: Env, tenantId: string) {
  return env.DISPATCHERS.get(env.DISPATCHERS.idFromName(tenantId));
}

/**
 * Hands a batch placed for now to the tenant's dispatcher, which starts as many calls as free lines
 * allow. Returns the status of each call (`queued` for those still waiting). If the dispatcher cannot
 * be reached, the calls stay queued and the campaign `releasing`: the next cron run hands it over.
 */
export async function dispatchBatch(env: Env, tenantId: string, batch: CreatedBatch): Promise<{ callId: string; status: CallStatus }[]> {
  let started: Record<string, CallStatus | null> = {};
  try {
    started = await dispatcherFor(env, tenantId).enqueue(
      tenantId,
      batch.calls.map((c) => ({ callId: c.callId, campaignId: batch.batchId, timezone: c.timezone })),
    );
    await markReleased(env.DB, [batch.batchId]);
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "dispatch failed; the cron will hand the batch over", batchId: batch.batchId, error: String(error) }));
  }
  return batch.calls.map((c) => ({ callId: c.callId, status: started[c.callId] ?? c.status }));
}
