import type { ProviderEvent } from "../types";

/** The call object fields we read (Vocode API reference, Create Call / Get Call). */
export interface VocodeCall {
  id: string;
  status?: string;
  stage?: string | null;
  stage_outcome?: string | null;
  human_detection_result?: string | null;
  do_not_call_result?: boolean | null;
  recording_available?: boolean;
  transcript?: string | null;
  error_message?: string | null;
  /** ISO 8601, when the call started and ended (Vocode's call object). */
  start_time?: string | null;
  end_time?: string | null;
}

/** An ongoing call (`status: in_progress`) by its `stage`. */
export const VOCODE_STAGES: Readonly<Record<string, ProviderEvent>> = {
  created: { status: "dialing" },
  picked_up: { status: "in-progress", outcome: "human" },
  transfer_started: { status: "in-progress", outcome: "human" },
  transfer_successful: { status: "in-progress", outcome: "transferred" },
};

/** An ended call (`status: ended`) by its `stage_outcome`. */
export const VOCODE_STAGE_OUTCOMES: Readonly<Record<string, ProviderEvent>> = {
  human_unanswered: { status: "failed", outcome: "no_answer" },
  // Vocode does not say why (busy, bad number, carrier): the patient was not reached.
  call_did_not_connect: { status: "failed", outcome: "no_answer" },
  human_disconnected: { status: "completed", outcome: "human" },
  bot_disconnected: { status: "completed", outcome: "human" },
  transfer_unanswered: { status: "completed", outcome: "human" },
  transfer_disconnected: { status: "completed", outcome: "transferred" },
};

/** `status` values with no further detail needed. */
export const VOCODE_STATUSES: Readonly<Record<string, ProviderEvent>> = {
  // Accepted, not yet dialing: nothing to move.
  not_started: {},
  error: { status: "failed", outcome: "provider_error" },
};

/** A Vocode call object in our terms. */
export function vocodeEvent(call: VocodeCall): ProviderEvent {
  const status = call.status ?? "";
  if (status in VOCODE_STATUSES) return VOCODE_STATUSES[status]!;
  if (status === "in_progress") return VOCODE_STAGES[call.stage ?? ""] ?? { status: "dialing" };
  if (status !== "ended") return {};
  const ending = VOCODE_STAGE_OUTCOMES[call.stage_outcome ?? ""] ?? endedWithoutOutcome(call.stage);
  // A machine picked up: the conversation was with voicemail.
  const outcome = ending.outcome === "human" && call.human_detection_result === "no_human" ? "voicemail" : ending.outcome;
  return { ...ending, outcome, detail: { stage: call.stage ?? null, stage_outcome: call.stage_outcome ?? null } };
}

function endedWithoutOutcome(stage: string | null | undefined): ProviderEvent {
  if (stage === "transfer_successful") return { status: "completed", outcome: "transferred" };
  if (stage === "picked_up" || stage === "transfer_started") return { status: "completed", outcome: "human" };
  return { status: "failed", outcome: "no_answer" };
}
