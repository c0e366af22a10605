import type { CallOutcome, CallStatus } from "@switchboard/schemas";

/** What a provider needs to place one call. */
export interface PlaceCallRequest {
  callId: string;
  /** E.164 */
  toNumber: string;
  fromNumber?: string | null;
  /** The agent's settings as stored (prompt, greeting, voice, provider-specific options). */
  agent: { id: string; name: string; settings: Record<string, unknown> };
  /** The patient's `extended` data and the call's reason, passed to the vendor as dynamic variables. */
  metadata: Record<string, unknown>;
  reason: string | null;
  recording: boolean;
}

/**
 * A vendor event in our terms: where the call now is and what we learned.
 * Vendors that skip stages are fine: the call object walks the lifecycle table to `status`.
 */
export interface ProviderEvent {
  status: CallStatus;
  outcome?: CallOutcome;
  finalReport?: Record<string, unknown>;
  transcript?: TranscriptTurn[];
  /** Vendor-side reason, kept in the event history for people debugging a call. */
  detail?: Record<string, unknown>;
}

export interface TranscriptTurn {
  role: "agent" | "patient";
  text: string;
}

/** An event the provider will produce by itself after `afterMs` (the simulator's script). */
export interface ScheduledProviderEvent {
  afterMs: number;
  event: ProviderEvent;
}

export interface PlacedCall {
  providerCallId: string;
  /** Events to deliver later on the call's own alarms; real vendors deliver theirs by webhook instead. */
  script?: ScheduledProviderEvent[];
}

export interface CallProvider {
  readonly name: string;
  placeCall(request: PlaceCallRequest): Promise<PlacedCall>;
  hangup(providerCallId: string): Promise<void>;
}

/** A provider refused or failed; `retryable` says whether another provider may be tried. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}
