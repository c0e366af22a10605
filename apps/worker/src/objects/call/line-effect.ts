import { LIVE_STATUSES } from "@switchboard/schemas";
import { dispatcherFor } from "../stubs";
import type { CallEffect } from "./effects";

/**
 * Gives the call's line back to its tenant's dispatcher when the call leaves a live status, and
 * with it the next attempt when it is awaiting a retry. Idempotent: the dispatcher frees a line
 * once and never queues an attempt it has already queued.
 */
export const giveBackLine: CallEffect = async (env, call, written) => {
  const left = written.findLast((e) => e.from !== null && LIVE_STATUSES.includes(e.from) && e.to !== null && !LIVE_STATUSES.includes(e.to));
  if (!left) return;
  const retry =
    left.to === "awaiting-retry"
      ? { attempt: Number(left.detail?.nextAttempt), notBefore: Date.parse(String(left.detail?.nextAttemptAt)) }
      : undefined;
  await dispatcherFor(env, call.tenantId).lineFreed(call.tenantId, call.callId, retry);
};
