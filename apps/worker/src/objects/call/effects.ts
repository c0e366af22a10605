import { tenantDatabase } from "../../shards/directory";
import { HANGUP_STATUSES, LIVE_STATUSES } from "@switchboard/schemas";
import { emitEvents, type EventToEmit } from "../../customer-webhooks/emit";
import type { Env } from "../../env";
import { errorSummary } from "../../lib/log-safe";
import { iso } from "../../lib/time";
import { callObject, tenantDispatcher } from "../stubs";
import type { CallSnapshot, OutboxEntry } from "./state";

/**
 * Work that follows a call's history once it is in D1: giving back a line, hanging up on a voicemail
 * when the client asked to, telling the tenant's webhooks. Effects run after every successful
 * write-through, with the entries just written; a crash before they finish replays them with the
 * next write, so each must be idempotent (key on call id + seq).
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
  const retry =
    left.to === "awaiting-retry"
      ? { attempt: Number(left.detail?.nextAttempt), notBefore: Date.parse(String(left.detail?.nextAttemptAt)) }
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

/**
 * `call.status_changed` for every transition the call object writes, plus `call.completed` (with
 * the final report) or `call.failed` when it ends. Keyed by call id and history seq, so a replayed
 * effect emits nothing new.
 */
const announceTransitions: CallEffect = async (env, call, written) => {
  const events: EventToEmit[] = [];
  for (const entry of written) {
    if (entry.to === null || entry.from === null) continue;
    const key = `call:${call.callId}:${entry.seq}`;
    const outcome = (entry.detail?.outcome as string | undefined) ?? null;
    events.push({
      type: "call.status_changed",
      key: `${key}:status_changed`,
      data: { call_id: call.callId, previous_status: entry.from, status: entry.to, outcome, changed_at: iso(entry.at) },
    });
    const ended = { call_id: call.callId, status: entry.to, outcome: call.outcome, started_at: iso(call.startedAt), ended_at: iso(call.endedAt) };
    if (entry.to === "completed") {
      const duration = call.startedAt !== null && call.endedAt !== null ? Math.round((call.endedAt - call.startedAt) / 1000) : null;
      events.push({ type: "call.completed", key: `${key}:completed`, data: { ...ended, duration, final_report: call.finalReport } });
    } else if (entry.to === "failed") {
      events.push({ type: "call.failed", key: `${key}:failed`, data: ended });
    }
  }
  await emitEvents(env, call.tenantId, events);
};

/** Every effect, in order. */
const CALL_EFFECTS: CallEffect[] = [giveBackLine, hangupOnNoHuman, announceTransitions];

export async function runCallEffects(env: Env, call: CallSnapshot & { provider: string }, written: readonly OutboxEntry[]) {
  for (const effect of CALL_EFFECTS) {
    try {
      await effect(env, call, written);
    } catch (error) {
      console.error(JSON.stringify({ level: "error", msg: "call effect failed", callId: call.callId, error: errorSummary(error) }));
    }
  }
}
