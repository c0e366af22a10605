import { fromHex, hmacSha256Verify } from "../crypto";
import type { ProviderEvent, TranscriptTurn, WebhookEvent, WebhookRequest } from "../types";
import { retellEnding } from "./status";

export const RETELL_SIGNATURE_HEADER = "x-retell-signature";
/** Retell's own SDK accepts signatures within five minutes of the receiver's clock. */
const TOLERANCE_MS = 5 * 60 * 1000;

/** The metadata key carrying our call id on every Retell call we place. */
export const CALL_ID_KEY = "switchboard_call_id";
/** The metadata key carrying the attempt of our call, so a late event of an earlier attempt is known as such. */
export const ATTEMPT_KEY = "switchboard_attempt";

/**
 * `x-retell-signature: v=<ms>,d=<hex HMAC-SHA256(apiKey, body + ms)>`, as retell-sdk's `verify`.
 * Stale or future timestamps beyond the tolerance are refused.
 */
export async function verifyRetellSignature(request: WebhookRequest, apiKey: string): Promise<boolean> {
  const header = request.headers.get(RETELL_SIGNATURE_HEADER);
  const match = header ? /^v=(\d+),d=([0-9a-f]+)$/i.exec(header.trim()) : null;
  if (!match) return false;
  const timestamp = Number(match[1]);
  const digest = fromHex(match[2]!, 32);
  const now = request.now ?? Date.now();
  if (!Number.isSafeInteger(timestamp) || !digest || Math.abs(now - timestamp) > TOLERANCE_MS) return false;
  return hmacSha256Verify(apiKey, request.body + timestamp, digest);
}

/** The call object fields we read (Retell API reference, get-call). */
export interface RetellCall {
  call_id: string;
  call_status?: string;
  disconnection_reason?: string;
  metadata?: unknown;
  transcript_object?: { role: string; content: string }[];
  recording_url?: string;
  call_analysis?: Record<string, unknown>;
  start_timestamp?: number;
  end_timestamp?: number;
}

export function parseRetellWebhook(body: string): WebhookEvent[] {
  const payload = JSON.parse(body) as { event?: unknown; call?: RetellCall };
  if (typeof payload.event !== "string" || !payload.call || typeof payload.call.call_id !== "string") {
    throw new Error("not a Retell call webhook");
  }
  const call = payload.call;
  const metadata = (call.metadata ?? {}) as Record<string, unknown>;
  const callId = typeof metadata[CALL_ID_KEY] === "string" ? (metadata[CALL_ID_KEY] as string) : undefined;
  const attempt = metadata[ATTEMPT_KEY];
  return [
    {
      type: payload.event,
      callId,
      ...(typeof attempt === "number" && Number.isSafeInteger(attempt) ? { attempt } : {}),
      providerCallId: call.call_id,
      event: retellEvent(payload.event, call),
    },
  ];
}

/** What each Retell webhook event means; events we do not follow (transcript updates, transfers) bring only data. */
export function retellEvent(type: string, call: RetellCall): ProviderEvent {
  const data = callData(call);
  switch (type) {
    case "call_started":
      return { status: "in-progress", outcome: "human", ...(data.startedAt !== undefined ? { startedAt: data.startedAt } : {}) };
    case "call_ended":
      return { ...retellEnding(call.disconnection_reason, false), ...data };
    case "call_analyzed": {
      const ending = retellEnding(call.disconnection_reason, true);
      return { ...ending, ...data, finalReport: { outcome: ending.outcome, ...(call.call_analysis ?? {}) } };
    }
    default:
      return {};
  }
}

/** Transcript, recording and Retell's own start and end times, whichever the call object carries. */
export function callData(call: RetellCall): Pick<ProviderEvent, "transcript" | "recordingUrl" | "startedAt" | "endedAt"> {
  const out: Pick<ProviderEvent, "transcript" | "recordingUrl" | "startedAt" | "endedAt"> = {};
  if (call.transcript_object?.length) out.transcript = call.transcript_object.map(turn);
  if (call.recording_url) out.recordingUrl = call.recording_url;
  if (isEpochMs(call.start_timestamp)) out.startedAt = call.start_timestamp;
  if (isEpochMs(call.end_timestamp)) out.endedAt = call.end_timestamp;
  return out;
}

/** Retell's timestamps are milliseconds since the epoch; anything else is not taken as a time. */
function isEpochMs(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

function turn(t: { role: string; content: string }): TranscriptTurn {
  return { role: t.role === "agent" ? "agent" : "patient", text: t.content };
}
