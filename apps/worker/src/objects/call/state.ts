import type { ProviderEvent } from "@switchboard/providers";
import type { AttemptPolicy } from "./attempts";
import type { CallSnapshot } from "./write-through";

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
  /** When a call still live is ended by the watchdog (its agent's max duration after dispatch). */
  watchdogAt: number | null;
  campaignId: string | null;
  timezone: string | null;
}

/** A simulator event the call plays to itself when it falls due. */
export interface ScriptEntry {
  dueAt: number;
  event: ProviderEvent;
}
