import type { CallOutcome, CallStatus } from "@switchboard/schemas";

/** What a provider needs to place one call. */
export interface PlaceCallRequest {
  callId: string;
  /** Which attempt of the call this is (1-based): vendors echo it where they can, so news of an earlier attempt is told apart. */
  attempt: number;
  /** E.164 */
  toNumber: string;
  fromNumber?: string | null;
  /** The agent's settings as stored (prompt, greeting, voice, provider-specific options). */
  agent: { id: string; name: string; settings: Record<string, unknown> };
  /** The agent's id (or LiveKit agent name) on this provider, from the agent's `providers` list. */
  remoteAgent?: string | null;
  /** The patient's `extended` data and the call's reason, passed to the vendor as dynamic variables. */
  metadata: Record<string, unknown>;
  reason: string | null;
  recording: boolean;
  /** The call is in HIPAA mode (Vocode surface `hipaa_compliant`): vendors that can should keep no content either. */
  hipaaCompliant?: boolean;
}

/**
 * A vendor event in our terms: where the call now is and what we learned.
 * Vendors that skip stages are fine: the call object walks the lifecycle table to `status`.
 */
export interface ProviderEvent {
  /** Absent when the event only brings data (a report, a transcript) and says nothing of the status. */
  status?: CallStatus;
  outcome?: CallOutcome;
  finalReport?: Record<string, unknown>;
  transcript?: TranscriptTurn[];
  recordingUrl?: string;
  /** Vendor-side reason, kept in the event history for people debugging a call. */
  detail?: Record<string, unknown>;
  /** When the vendor says the call started (epoch ms): the call's `started_at` is the vendor's, where it reports one. */
  startedAt?: number;
  /** When the vendor says the call ended (epoch ms). */
  endedAt?: number;
  /**
   * What the event means instead when the call never reached `in-progress`. Some vendor signals
   * ("the line dropped") read differently before and after an answer.
   */
  ifUnanswered?: ProviderEvent;
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

/** A webhook as it arrived: the raw body (signatures cover its exact bytes) and the headers. */
export interface WebhookRequest {
  body: string;
  headers: Headers;
  /** Clock for timestamp checks (ms); defaults to now. */
  now?: number;
}

/** One verified webhook event, read: which call it concerns and what it says. */
export interface WebhookEvent {
  /** The vendor's event name, for the history and for unmatched events. */
  type: string;
  /** Our call id, when the vendor echoes what we attached. */
  callId?: string;
  /** The attempt of our call the event is about, when the vendor echoes it (metadata, room name). */
  attempt?: number;
  providerCallId?: string;
  event: ProviderEvent;
  /** The vendor's word is not signed: ask the vendor for the call's state before believing it. */
  confirm?: boolean;
}

export interface CallProvider {
  readonly name: string;
  placeCall(request: PlaceCallRequest): Promise<PlacedCall>;
  hangup(providerCallId: string): Promise<void>;
  /** The call's state at the vendor (reconciliation); null when the vendor does not know the call. */
  getCall?(providerCallId: string): Promise<ProviderEvent | null>;
  /** Checks the webhook's signature against the raw body; false for bad, stale or missing ones. */
  verifyWebhook?(request: WebhookRequest): Promise<boolean>;
  /** Reads a verified webhook body into events. Throws on a body that is not the vendor's shape. */
  parseWebhook?(body: string): WebhookEvent[];
}

/**
 * A provider refused or failed. `retryable` says whether another provider may be tried: the vendor
 * was down, slow, at its concurrency limit or refused our account; not when the input was bad.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    /** How the call ends if nothing else places it (e.g. `invalid_number`). */
    readonly outcome: CallOutcome = "provider_error",
  ) {
    super(message);
    this.name = "ProviderError";
  }
}
