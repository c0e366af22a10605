import type { Actor } from "../../actor";
import type { ProviderEvent } from "@switchboard/providers";
import type { CallOutcome, CallStatus, RetryableOutcome } from "@switchboard/schemas";
import type { PolicyColumns } from "../../contact-policy/decide";

/* The shapes a call object's parts share: its state, its history on the way to D1, its log. */

/** A history row waiting to reach D1. `seq` is per call, so re-sending one is harmless. */
export interface OutboxEntry {
  seq: number;
  type: string;
  from: CallStatus | null;
  to: CallStatus | null;
  detail: Record<string, unknown> | null;
  at: number;
  /** Who asked for this (a hang-up through the API): its audit row is written with the entry, in the same batch. */
  audit?: AuditStamp;
}

/** The audit row an outbox entry carries (audit/record.ts), minus what the call knows itself. */
export interface AuditStamp {
  action: "call.hung_up";
  actor: Actor;
  requestId: string | null;
}

/**
 * An attempt being placed. Stored (with the alarm armed) before the first await, so whatever
 * happens to the object meanwhile (a throw, a restart) the alarm finds the attempt and settles it.
 */
export interface Placement {
  attempt: number;
  /** `planning`: no vendor asked yet, so it is safe to plan again; `dialing`: a vendor may have dialed. */
  phase: "planning" | "dialing";
  /** Planning failures so far (a D1 error, credentials that do not open). */
  failures: number;
  /** When the alarm looks at it: the next planning try, or when a dial still unanswered is given up. */
  dueAt: number;
}

/** The call row as the call object knows it. */
export interface CallSnapshot {
  callId: string;
  tenantId: string;
  status: CallStatus;
  outcome: CallOutcome | null;
  providerCallId: string | null;
  startedAt: number | null;
  /** When the patient first picked up; kept across attempts (older stored states lack it). */
  answeredAt?: number | null;
  endedAt: number | null;
  finalReport: Record<string, unknown> | null;
  transcript: unknown[] | null;
  recordingUrl?: string | null;
  /** The provider holding the call; it changes when a call fails over. */
  provider?: string;
  /** The contact policy's last decision (states stored before the policy lack it: the row's stays). */
  contactPolicy?: PolicyColumns | null;
  /** What the call is for, as the policy decided it. */
  purpose?: string | null;
  campaignId?: string | null;
}

/** What a call object needs from its agent to run attempts: retries and the watchdog. */
export interface AttemptPolicy {
  maxAttempts: number;
  spacingMs: number;
  retryOn: readonly RetryableOutcome[];
  /** Talk time (from the answer) after which a call whose vendor has gone quiet is ended by the watchdog. */
  maxDurationMs: number;
}

/** What a call object holds about its call; stored whole under "state". */
export interface CallState extends CallSnapshot {
  /** The provider that holds the call (or is being asked to place it). */
  provider: string;
  /** Last history sequence number used (the create request and a bulk release wrote the first ones). */
  seq: number;
  /** HIPAA mode (call_options): the transcript and free text never reach storage. */
  redactContent?: boolean;
  /** The attempt on the line or last made (1-based); 0 before the first. */
  attempt: number;
  policy: AttemptPolicy;
  /** When the next attempt may start, while awaiting a retry. */
  nextAttemptAt: number | null;
  /** When a call still live is ended by the watchdog (a limit per stage: see `watchdogDeadline` in rules.ts). */
  watchdogAt: number | null;
  campaignId: string | null;
  timezone: string | null;
  /** While an attempt is being placed (null, or absent in older stored states, otherwise). */
  placement?: Placement | null;
  /** Vendor call ids of this call's earlier attempts: their late news is not about the current one. */
  pastProviderCallIds?: string[];
  /** Where the patient is and who dials, as of the last attempt: the next attempt's time is kept inside the calling hours. */
  hours?: AttemptHours;
}

/** What the calling hours of a next attempt depend on (see contact-policy/decide.ts `decideHours`). */
export interface AttemptHours {
  timeZone: string | null;
  state: string | null;
  provider: string;
  tenant: { timeZone: string; policy: Record<string, unknown> };
  devWide: boolean;
}

/** A simulator event the call plays to itself when it falls due. */
export interface ScriptEntry {
  dueAt: number;
  event: ProviderEvent;
}

/**
 * What the rules write to: the state, the due script, and the history (rules.ts never awaits, so
 * a check and its set happen together).
 */
export interface CallLog {
  state: CallState | null;
  script: ScriptEntry[];
  /** A history entry, numbered after the last one this call wrote. */
  push(entry: Omit<OutboxEntry, "seq">): void;
  /** A history entry with no status change. */
  note(type: string, detail: Record<string, unknown>): void;
}
