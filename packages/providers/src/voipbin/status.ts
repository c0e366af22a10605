import type { ProviderEvent } from "../types";

/** A VoIPbin call (docs: Struct Call) `status` before it hangs up. */
export const VOIPBIN_CALL_STATUSES: Readonly<Record<string, ProviderEvent>> = {
  dialing: { status: "dialing" },
  ringing: { status: "dialing" },
  progressing: { status: "in-progress", outcome: "human" },
  // On its way down; `hangup` follows with the reason.
  terminating: {},
  canceling: {},
};

/** A hung-up VoIPbin call by its `hangup_reason`. */
export const VOIPBIN_HANGUP_REASONS: Readonly<Record<string, ProviderEvent>> = {
  // "The call ended normally after being answered."
  normal: { status: "completed", outcome: "human" },
  // "exceeded the maximum allowed duration after being answered"
  timeout: { status: "completed", outcome: "human" },
  // Answering machine detected and the call hung up per the AMD settings.
  amd: { status: "completed", outcome: "voicemail" },
  busy: { status: "failed", outcome: "busy" },
  noanswer: { status: "failed", outcome: "no_answer" },
  // VoIPbin's own dialing timeout ran out before an answer.
  dialout: { status: "failed", outcome: "no_answer" },
  // The originator (us) cancelled before an answer.
  cancel: { status: "failed", outcome: "hung_up_by_api" },
  failed: { status: "failed", outcome: "provider_error" },
};

/** AIcall `aicall_status_*` webhook events: the AI talk on the call. */
export const VOIPBIN_AICALL_EVENTS: Readonly<Record<string, ProviderEvent>> = {
  aicall_status_initializing: {},
  aicall_status_progressing: { status: "in-progress", outcome: "human" },
  aicall_status_pausing: {},
  aicall_status_resuming: {},
  // The AI is done talking; the call's own hangup completes it.
  aicall_status_terminating: { status: "summarizing", outcome: "human", ifUnanswered: {} },
  aicall_status_terminated: { status: "summarizing", outcome: "human", ifUnanswered: {} },
};

export interface VoipbinCall {
  id: string;
  status?: string;
  hangup_by?: string;
  hangup_reason?: string;
  recording_ids?: string[];
}

/** A VoIPbin call object in our terms. */
export function voipbinCallEvent(call: VoipbinCall): ProviderEvent {
  if (call.status !== "hangup") return VOIPBIN_CALL_STATUSES[call.status ?? ""] ?? {};
  const reason = call.hangup_reason ?? "";
  const ending = VOIPBIN_HANGUP_REASONS[reason] ?? { status: "failed", outcome: "provider_error" };
  const detail = { hangup_reason: reason || null, hangup_by: call.hangup_by || null };
  if (ending.status !== "completed") return { ...ending, detail };
  return {
    ...ending,
    detail,
    finalReport: { outcome: ending.outcome, ...detail, recording_ids: call.recording_ids ?? [] },
  };
}
