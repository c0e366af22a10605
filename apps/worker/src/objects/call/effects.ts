import { tenantDatabase } from "../../shards/directory";
import { HANGUP_STATUSES, LIVE_STATUSES } from "@switchboard/schemas";
import type { Env } from "../../env";
import { injectedFault, InjectedFault } from "../../lib/faults";
import { errorSummary } from "../../lib/log-safe";
import { callObject, tenantDispatcher } from "../stubs";
import type { CallSnapshot, OutboxEntry } from "./state";

/**
 * Work that follows a call's history once it is in D1: giving back a line, hanging up on a voicemail
 * when the client asked to. Effects run after every successful write-through, with the entries
 * written; the journal keeps those entries until every effect has succeeded and retries them on
 * the alarm, so each must be idempotent (key on call id + seq).
 */
export type CallEffect = (env: Env, call: CallSnapshot & { provider: string }, written: readonly OutboxEntry[]) => Promise<void>;

/**
 * Gives the call's line back to its tenant's dispatcher when the call leaves a live status, and
 * with it the next attempt when it is awaiting a retry. Idempotent: the dispatcher frees a line
 * once and never queues an attempt it has already queued.
 */
const giveBackLine: CallEffect = async (env, call, written) => {
  const left = written.findLast((e) => e.from !== null && LIVE_STATUSES.includes(e.from) && e.to !== null && !LIVE_STATUSES.includes(e.to));
  if (!left) return;
  const nextAttempt = Number(left.detail?.nextAttempt);
  // The contact policy may have put the next attempt later (into the patient's calling hours).
  const deferred = written.findLast((e) => e.type === "policy.deferred" && e.detail?.attempt === nextAttempt);
  const retry =
    left.to === "awaiting-retry"
      ? { attempt: nextAttempt, notBefore: Date.parse(String(deferred?.detail?.until ?? left.detail?.nextAttemptAt)) }
      : undefined;
  await tenantDispatcher(env, call.tenantId).lineFreed(call.tenantId, call.callId, retry);
};

/**
 * `on_no_human_answer: "hangup"` (a Vocode surface option): once the provider reports voicemail on a
 * live call, hang it up.
 *
 * Effects run inside the call's own object, in the middle of its write-through, and `hangup()` waits
 * for that write-through to finish: awaiting it here would wait on ourselves. So the hangup is only
 * sent; it queues behind the current work and the hangup lock decides it once, however often this runs.
 */
const hangupOnNoHuman: CallEffect = async (env, call) => {
  if (call.outcome !== "voicemail" || !HANGUP_STATUSES.includes(call.status)) return;
  const option = await (await tenantDatabase(env, call.tenantId, "read")).prepare("SELECT on_no_human_answer FROM call_options WHERE call_id = ? AND tenant_id = ?")
    .bind(call.callId, call.tenantId)
    .first<{ on_no_human_answer: string }>();
  if (option?.on_no_human_answer !== "hangup") return;
  callObject(env, call.callId)
    .hangup("voicemail")
    .catch((error: unknown) => {
      console.error(JSON.stringify({ level: "error", msg: "no-human hangup failed", callId: call.callId, error: errorSummary(error) }));
    });
};

/** Every effect, in order. (Webhook events are not effects: they are written with the history, write-through.ts.) */
const CALL_EFFECTS: CallEffect[] = [giveBackLine, hangupOnNoHuman];

/** Runs every effect; false when one failed (the journal keeps the entries and runs them all again later). */
export async function runCallEffects(env: Env, call: CallSnapshot & { provider: string }, written: readonly OutboxEntry[]): Promise<boolean> {
  let ok = true;
  for (const effect of CALL_EFFECTS) {
    try {
      if (injectedFault(env, "call.effects", call.callId, ["error"])) throw new InjectedFault("call effect");
      await effect(env, call, written);
    } catch (error) {
      ok = false;
      console.error(JSON.stringify({ level: "error", msg: "call effect failed; will retry", callId: call.callId, error: errorSummary(error) }));
    }
  }
  return ok;
}
