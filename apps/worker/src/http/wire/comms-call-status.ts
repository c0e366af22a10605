import type { CallOutcome, CallStatus, CommsCallStatus } from "@switchboard/schemas";

/**
 * How a call reads on /comms: its lifecycle status gives the default, and the outcome, where a
 * row names one, overrides it. This table is the whole mapping.
 *
 * | lifecycle status        | default      | by outcome                                                   |
 * | scheduled/queued        | CREATED      |                                                              |
 * | initiating/dialing      | CREATED      |                                                              |
 * | in-progress/summarizing | ONGOING      | transferred: TRANSFERRED, voicemail: VOICEMAIL               |
 * | completed               | FINISHED     | transferred: TRANSFERRED, voicemail: VOICEMAIL               |
 * | failed                  | FAILED       | hung_up_by_api, human: DISCONNECTED (the line was dropped     |
 * |                         |              | mid-call); transferred: TRANSFERRED; voicemail: VOICEMAIL    |
 * | canceled                | FAILED       |                                                              |
 *
 * Summarizing stays ONGOING: the patient has hung up but the call's report is still being made,
 * so a client waiting for the summary keeps waiting.
 */
export const COMMS_CALL_STATUS: Readonly<Record<CallStatus, { status: CommsCallStatus; byOutcome?: Partial<Record<CallOutcome, CommsCallStatus>> }>> = {
  scheduled: { status: "CREATED" },
  queued: { status: "CREATED" },
  initiating: { status: "CREATED" },
  dialing: { status: "CREATED" },
  "in-progress": { status: "ONGOING", byOutcome: { transferred: "TRANSFERRED", voicemail: "VOICEMAIL" } },
  summarizing: { status: "ONGOING", byOutcome: { transferred: "TRANSFERRED", voicemail: "VOICEMAIL" } },
  // An unanswered attempt ended and another will be made: the call is waiting to be placed again.
  "awaiting-retry": { status: "CREATED" },
  completed: { status: "FINISHED", byOutcome: { transferred: "TRANSFERRED", voicemail: "VOICEMAIL" } },
  failed: {
    status: "FAILED",
    byOutcome: { hung_up_by_api: "DISCONNECTED", human: "DISCONNECTED", transferred: "TRANSFERRED", voicemail: "VOICEMAIL" },
  },
  canceled: { status: "FAILED" },
};

export function commsCallStatus(status: CallStatus, outcome: CallOutcome | null): CommsCallStatus {
  const row = COMMS_CALL_STATUS[status];
  return (outcome ? row.byOutcome?.[outcome] : undefined) ?? row.status;
}
