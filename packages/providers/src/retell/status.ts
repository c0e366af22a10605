import type { CallOutcome } from "@switchboard/schemas";
import type { ProviderEvent } from "../types";

/** How a Retell call ended: whether a conversation took place, and our outcome. */
export interface RetellEnding {
  answered: boolean;
  outcome: CallOutcome;
}

/**
 * Retell's `disconnection_reason` values (API reference, call object) onto our outcomes. Answered
 * endings go to `summarizing` on `call_ended` and `completed` on `call_analyzed`; the rest fail.
 */
export const RETELL_DISCONNECTION_REASONS: Readonly<Record<string, RetellEnding>> = {
  user_hangup: { answered: true, outcome: "human" },
  agent_hangup: { answered: true, outcome: "human" },
  inactivity: { answered: true, outcome: "human" },
  max_duration_reached: { answered: true, outcome: "human" },
  transfer_cancelled: { answered: true, outcome: "human" },
  call_transfer: { answered: true, outcome: "transferred" },
  transfer_bridged: { answered: true, outcome: "transferred" },
  call_take_over: { answered: true, outcome: "transferred" },
  voicemail_reached: { answered: true, outcome: "voicemail" },
  // An automated menu answered: a machine, as with voicemail.
  ivr_reached: { answered: true, outcome: "voicemail" },
  dial_no_answer: { answered: false, outcome: "no_answer" },
  dial_busy: { answered: false, outcome: "busy" },
  user_declined: { answered: false, outcome: "busy" },
  invalid_destination: { answered: false, outcome: "invalid_number" },
  manual_stopped: { answered: false, outcome: "hung_up_by_api" },
  dial_failed: { answered: false, outcome: "provider_error" },
  marked_as_spam: { answered: false, outcome: "provider_error" },
  scam_detected: { answered: false, outcome: "provider_error" },
  concurrency_limit_reached: { answered: false, outcome: "provider_error" },
  no_concurrency_fallback: { answered: false, outcome: "provider_error" },
  no_valid_payment: { answered: false, outcome: "provider_error" },
  telephony_provider_permission_denied: { answered: false, outcome: "provider_error" },
  telephony_provider_unavailable: { answered: false, outcome: "provider_error" },
  sip_routing_error: { answered: false, outcome: "provider_error" },
  registered_call_timeout: { answered: false, outcome: "provider_error" },
  error_user_not_joined: { answered: false, outcome: "provider_error" },
  error_no_audio_received: { answered: false, outcome: "provider_error" },
  error_asr: { answered: false, outcome: "provider_error" },
  error_llm_websocket_open: { answered: false, outcome: "provider_error" },
  error_llm_websocket_lost_connection: { answered: false, outcome: "provider_error" },
  error_llm_websocket_runtime: { answered: false, outcome: "provider_error" },
  error_llm_websocket_corrupt_payload: { answered: false, outcome: "provider_error" },
  error_retell: { answered: false, outcome: "provider_error" },
  error_unknown: { answered: false, outcome: "provider_error" },
};

/** `call_status` of a Retell call that has not ended (get-call), onto our lifecycle. */
export const RETELL_CALL_STATUSES: Readonly<Record<string, ProviderEvent>> = {
  registered: { status: "dialing" },
  ongoing: { status: "in-progress", outcome: "human" },
  error: { status: "failed", outcome: "provider_error" },
};

/**
 * The ending of a call that is over. A reason Retell adds later is read by what we saw: a
 * conversation if the call was answered, a provider error if not.
 */
export function retellEnding(reason: string | undefined, analyzed: boolean): ProviderEvent {
  const known = reason ? RETELL_DISCONNECTION_REASONS[reason] : undefined;
  const detail = { disconnection_reason: reason ?? null };
  if (!known) {
    return {
      status: analyzed ? "completed" : "summarizing",
      outcome: "human",
      detail,
      ifUnanswered: { status: "failed", outcome: "provider_error", detail },
    };
  }
  if (!known.answered) return { status: "failed", outcome: known.outcome, detail };
  return { status: analyzed ? "completed" : "summarizing", outcome: known.outcome, detail };
}
