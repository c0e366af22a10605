import type { ProviderEvent } from "../types";

/**
 * LiveKit's `DisconnectReason` (livekit_models.proto) for the SIP participant leaving, onto our
 * lifecycle. An answered call that ends normally goes to `summarizing`; the room finishing completes it.
 */
export const LIVEKIT_DISCONNECT_REASONS: Readonly<Record<string, ProviderEvent>> = {
  // The callee hung up (or the caller cancelled before an answer).
  CLIENT_INITIATED: { status: "summarizing", outcome: "human", ifUnanswered: { status: "failed", outcome: "no_answer" } },
  UNKNOWN_REASON: { status: "summarizing", outcome: "human", ifUnanswered: { status: "failed", outcome: "no_answer" } },
  ROOM_CLOSED: { status: "summarizing", outcome: "human", ifUnanswered: { status: "failed", outcome: "provider_error" } },
  // "SIP callee did not respond in time"
  USER_UNAVAILABLE: { status: "failed", outcome: "no_answer" },
  // "SIP callee rejected the call (busy)"
  USER_REJECTED: { status: "failed", outcome: "busy" },
  // RemoveParticipant / DeleteRoom: our own hangup (or someone's in the LiveKit console).
  PARTICIPANT_REMOVED: { status: "failed", outcome: "hung_up_by_api" },
  ROOM_DELETED: { status: "failed", outcome: "hung_up_by_api" },
  SIP_TRUNK_FAILURE: { status: "failed", outcome: "provider_error" },
  MEDIA_FAILURE: { status: "failed", outcome: "provider_error" },
  CONNECTION_TIMEOUT: { status: "failed", outcome: "provider_error" },
  SIGNAL_CLOSE: { status: "failed", outcome: "provider_error" },
  SERVER_SHUTDOWN: { status: "failed", outcome: "provider_error" },
  JOIN_FAILURE: { status: "failed", outcome: "provider_error" },
  STATE_MISMATCH: { status: "failed", outcome: "provider_error" },
  DUPLICATE_IDENTITY: { status: "failed", outcome: "provider_error" },
  MIGRATION: { status: "failed", outcome: "provider_error" },
  AGENT_ERROR: { status: "failed", outcome: "provider_error" },
};

/** The same enum by number, for servers that send enums as integers. */
export const DISCONNECT_REASON_NAMES: readonly string[] = [
  "UNKNOWN_REASON", "CLIENT_INITIATED", "DUPLICATE_IDENTITY", "SERVER_SHUTDOWN", "PARTICIPANT_REMOVED", "ROOM_DELETED",
  "STATE_MISMATCH", "JOIN_FAILURE", "MIGRATION", "SIGNAL_CLOSE", "ROOM_CLOSED", "USER_UNAVAILABLE", "USER_REJECTED",
  "SIP_TRUNK_FAILURE", "CONNECTION_TIMEOUT", "MEDIA_FAILURE", "AGENT_ERROR",
];

/**
 * The SIP participant's `sip.callStatus` attribute (LiveKit docs, SIP participant attributes) while
 * it is in the room: dialing and ringing before an answer, `active` once answered.
 */
export const LIVEKIT_SIP_CALL_STATUSES: Readonly<Record<string, ProviderEvent>> = {
  dialing: { status: "dialing" },
  ringing: { status: "dialing" },
  // Connected, still sending DTMF digits: not yet a conversation.
  automation: { status: "dialing" },
  active: { status: "in-progress", outcome: "human" },
  hangup: { status: "summarizing", outcome: "human", ifUnanswered: { status: "failed", outcome: "no_answer" } },
};
