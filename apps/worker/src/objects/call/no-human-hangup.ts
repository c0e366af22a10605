import { HANGUP_STATUSES } from "@switchboard/schemas";
import type { CallEffect } from "./effects";
import { errorSummary } from "../../lib/log-safe";

/**
 * `on_no_human_answer: "hangup"`: once the provider reports voicemail on a live call, hang it up.
 *
 * Effects run inside the call's own object, in the middle of its write-through, and `hangup()` waits
 * for that write-through to finish: awaiting it here would wait on ourselves. So the hangup is only
 * sent; it queues behind the current work and the hangup lock decides it once, however often this runs.
 */
export const hangupOnNoHuman: CallEffect = async (env, call) => {
  if (call.outcome !== "voicemail" || !HANGUP_STATUSES.includes(call.status)) return;
  const option = await env.DB.prepare("SELECT on_no_human_answer FROM call_options WHERE call_id = ? AND tenant_id = ?")
    .bind(call.callId, call.tenantId)
    .first<{ on_no_human_answer: string }>();
  if (option?.on_no_human_answer !== "hangup") return;
  const stub = env.CALLS.get(env.CALLS.idFromName(call.callId));
  stub.hangup("voicemail").catch((error: unknown) => {
    console.error(JSON.stringify({ level: "error", msg: "no-human hangup failed", callId: call.callId, error: errorSummary(error) }));
  });
};
