import { REASON_CODES, type CallOutcome, type CallStatus, type ReasonCode } from "@switchboard/schemas";
import type { VocodeHumanDetection, VocodeStage, VocodeStageOutcome, VocodeStatus } from "./schema";

/**
 * The one table that turns a Switchboard call into Vocode's call fields. A call is described by
 * its core status, its outcome, and whether the line was ever picked up (it reached `in-progress`).
 * README "Vocode-compatible calls API" prints the same table for people.
 */
export const VOCODE_MAPPING = {
  /** status: before dialing → not_started; on the line → in_progress; line down → ended (or error, below). */
  status: {
    scheduled: "not_started",
    queued: "not_started",
    initiating: "not_started",
    dialing: "in_progress",
    "in-progress": "in_progress",
    summarizing: "ended",
    // Between attempts of a retried call: the next attempt has not started.
    "awaiting-retry": "not_started",
    completed: "ended",
    failed: "ended",
    canceled: "ended",
  } satisfies Record<CallStatus, VocodeStatus>,

  /**
   * A failed call with one of these outcomes is an `error`, with this error_message; so is a call
   * the contact policy refused (never dialed), whose message names the rule, unless the rule was
   * the do-not-call list or an opt-out: that call `ended` with `do_not_call_result` true.
   */
  errorOutcomes: {
    provider_error: "The voice provider could not place or carry the call",
    invalid_number: "The number could not be dialed",
    refused: "Not dialed: refused by the contact policy",
  } satisfies Partial<Record<CallOutcome, string>>,

  /**
   * stage: `transferred` while the line is up → transfer_started; after a completed transfer →
   * transfer_successful; a failed one stays transfer_started. Otherwise picked_up once answered,
   * else created.
   */
  transferStage: {
    live: "transfer_started",
    completed: "transfer_successful",
    failed: "transfer_started",
  } satisfies Record<"live" | "completed" | "failed", VocodeStage>,

  /** stage_outcome, once the line is down (summarizing, completed, failed, canceled); null before. */
  stageOutcome: {
    created: (outcome) => (outcome === "no_answer" ? "human_unanswered" : "call_did_not_connect"),
    picked_up: (outcome) => (outcome && BOT_ENDED.includes(outcome) ? "bot_disconnected" : "human_disconnected"),
    transfer_started: () => "transfer_unanswered",
    transfer_successful: () => "transfer_disconnected",
  } satisfies Record<VocodeStage, (outcome: CallOutcome | null) => VocodeStageOutcome>,

  /** human_detection_result of an answered call; null for others and for outcomes that do not tell. */
  humanDetection: {
    human: "human",
    transferred: "human",
    voicemail: "no_human",
  } satisfies Partial<Record<CallOutcome, VocodeHumanDetection>>,
} as const;

/** Our side ended an answered call: the API hung up, a voicemail hangup, or the provider failed. */
const BOT_ENDED: readonly CallOutcome[] = ["hung_up_by_api", "voicemail", "provider_error"];

const LINE_DOWN: readonly CallStatus[] = ["summarizing", "completed", "failed", "canceled"];

export interface CoreCallState {
  status: CallStatus;
  outcome: CallOutcome | null;
  answered: boolean;
  /** The contact policy's reason code, for a refused call. */
  policyReason?: string | null;
}

export function vocodeStatus(call: CoreCallState): VocodeStatus {
  // A number that opted out or is on the do-not-call list just ends: `do_not_call_result` says why.
  const doNotCall = call.policyReason === "opted_out" || call.policyReason === "number_on_dnc";
  const ended = call.status === "failed" || (call.status === "canceled" && call.outcome === "refused" && !doNotCall);
  if (ended && call.outcome && call.outcome in VOCODE_MAPPING.errorOutcomes) return "error";
  return VOCODE_MAPPING.status[call.status];
}

export function vocodeErrorMessage(call: CoreCallState): string | null {
  if (vocodeStatus(call) !== "error") return null;
  const message = VOCODE_MAPPING.errorOutcomes[call.outcome as keyof typeof VOCODE_MAPPING.errorOutcomes];
  const reason = call.policyReason as ReasonCode | null | undefined;
  return call.outcome === "refused" && reason && reason in REASON_CODES ? `${message} (${reason}): ${REASON_CODES[reason]}` : message;
}

export function vocodeStage(call: CoreCallState): VocodeStage {
  if (call.outcome === "transferred") {
    if (call.status === "failed") return VOCODE_MAPPING.transferStage.failed;
    return LINE_DOWN.includes(call.status) ? VOCODE_MAPPING.transferStage.completed : VOCODE_MAPPING.transferStage.live;
  }
  return call.answered ? "picked_up" : "created";
}

export function vocodeStageOutcome(call: CoreCallState): VocodeStageOutcome | null {
  if (!LINE_DOWN.includes(call.status)) return null;
  return VOCODE_MAPPING.stageOutcome[vocodeStage(call)](call.outcome);
}

export function vocodeHumanDetection(call: CoreCallState): VocodeHumanDetection | null {
  if (!call.answered || !call.outcome) return null;
  return VOCODE_MAPPING.humanDetection[call.outcome as keyof typeof VOCODE_MAPPING.humanDetection] ?? null;
}
