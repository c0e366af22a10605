import type { CallOutcome, CallStatus, RefuseReason } from "@switchboard/schemas";
import type { AicallStatus } from "./schema";

/**
 * The one table that turns a Switchboard call into an AIcall's status. An AIcall describes the AI
 * session rather than the phone line: it is `initiating` until someone is on the line, `progressing`
 * while the agent talks, `terminating` while Switchboard summarizes, `terminated` once it ended.
 * README "VoIPbin-compatible AI calls API" prints the same table for people.
 */
export const VOIPBIN_MAPPING = {
  status: {
    scheduled: "initiating",
    queued: "initiating",
    initiating: "initiating",
    dialing: "initiating",
    "in-progress": "progressing",
    summarizing: "terminating",
    // Between attempts of a retried call: the next attempt is being set up.
    "awaiting-retry": "initiating",
    completed: "terminated",
    failed: "terminated",
    canceled: "terminated",
  } satisfies Record<CallStatus, AicallStatus>,

  /** A call on the line whose outcome is `transferred` has been handed to a person: the AI is paused. */
  pausedOutcomes: ["transferred"] satisfies CallOutcome[],

  /**
   * Statuses no Switchboard call can have. Switchboard calls are never paused and taken up again
   * by the AI, so nothing ever resumes.
   */
  unreachable: ["resuming"] satisfies AicallStatus[],

  /**
   * A create the contact policy refuses: 409 with VoIPbin's style of reason. (`message_too_long`
   * concerns texts only.) A call refused later, before a retry, ends `terminated`.
   */
  refusals: {
    opted_out: "REFERENCE_OPTED_OUT",
    number_on_dnc: "REFERENCE_ON_DO_NOT_CALL_LIST",
    no_consent: "CONSENT_REQUIRED",
    purpose_not_allowed: "PURPOSE_NOT_ALLOWED",
    message_too_long: "MESSAGE_TOO_LONG",
    no_calling_window: "NO_CALLING_WINDOW",
  } satisfies Record<RefuseReason, string>,
} as const;

export function aicallStatus(status: CallStatus, outcome: CallOutcome | null): AicallStatus {
  if (status === "in-progress" && outcome && (VOIPBIN_MAPPING.pausedOutcomes as readonly CallOutcome[]).includes(outcome)) return "pausing";
  return VOIPBIN_MAPPING.status[status];
}
