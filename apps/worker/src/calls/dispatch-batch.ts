import type { CallStatus } from "@switchboard/schemas";
import type { Env } from "../env";
import type { CreatedBatch } from "./place";
import { dispatcherFor } from "../objects/stubs";
import { markReleased } from "../campaigns/release";
import { errorSummary } from "../lib/log-safe";

/**
 * Hands a batch placed for now to the tenant's dispatcher, which starts as many calls as free lines
 * (and calling hours) allow. Returns each call's status: `queued` for those still waiting. If the
 * dispatcher cannot be reached, the calls stay queued and the campaign `releasing`: the cron hands
 * it over within a couple of minutes.
 */
export async function dispatchBatch(
  env: Env,
  tenantId: string,
  batch: CreatedBatch,
  /** Runs bookkeeping off the response path when given (a request's `waitUntil`); else it is awaited. */
  waitUntil?: (work: Promise<unknown>) => void,
): Promise<{ callId: string; status: CallStatus }[]> {
  let started: Record<string, CallStatus | null> = {};
  try {
    started = await dispatcherFor(env, tenantId).enqueue(
      tenantId,
      // Calls recorded as `canceled` at creation (opted out) are never dialed.
      batch.calls.filter((c) => c.status === "queued").map((c) => ({ callId: c.callId, campaignId: batch.batchId, timezone: c.timezone })),
    );
    // Off the response path: if it fails, the cron hands the (already queued) batch over again, harmlessly.
    const bookkeeping = markReleased(env.DB, [batch.batchId]).catch((error: unknown) => {
      console.error(JSON.stringify({ level: "warn", msg: "marking a batch released failed", batchId: batch.batchId, error: errorSummary(error) }));
    });
    if (waitUntil) waitUntil(bookkeeping);
    else await bookkeeping;
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "dispatch failed; the cron will hand the batch over", batchId: batch.batchId, error: errorSummary(error) }));
  }
  return batch.calls.map((c) => ({ callId: c.callId, status: started[c.callId] ?? c.status }));
}
