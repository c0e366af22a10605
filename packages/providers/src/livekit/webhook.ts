import { sha256Base64 } from "../crypto";
import type { ProviderEvent, WebhookEvent, WebhookRequest } from "../types";
import { DISCONNECT_REASON_NAMES, LIVEKIT_DISCONNECT_REASONS, LIVEKIT_SIP_CALL_STATUSES } from "./status";
import { verifyAccessToken } from "./token";

/** Every call we place gets its own room, named after the call: the webhook's way back. */
export const ROOM_PREFIX = "outbound-";
/** Attempts after the first get rooms of their own (`outbound-<callId>-attempt-<n>`), so news of an earlier attempt's room is not this one's. */
const ATTEMPT_SUFFIX = /-attempt-([1-9]\d{0,5})$/;

/** The room of one attempt of a call: the first keeps the plain name it always had. */
export function roomName(callId: string, attempt: number): string {
  return attempt > 1 ? `${ROOM_PREFIX}${callId}-attempt-${attempt}` : `${ROOM_PREFIX}${callId}`;
}

/** Our call and attempt a room belongs to, or null for rooms we did not create. */
export function parseRoomName(room: string): { callId: string; attempt: number } | null {
  if (!room.startsWith(ROOM_PREFIX)) return null;
  const rest = room.slice(ROOM_PREFIX.length);
  const suffix = ATTEMPT_SUFFIX.exec(rest);
  const callId = suffix ? rest.slice(0, suffix.index) : rest;
  return callId ? { callId, attempt: suffix ? Number(suffix[1]) : 1 } : null;
}
export const CALL_STATUS_ATTRIBUTE = "sip.callStatus";

/**
 * LiveKit signs webhooks with a JWT in `Authorization` (issued by the API key, HS256 under the
 * secret) whose `sha256` claim is the base64 SHA-256 of the body (livekit-server-sdk `WebhookReceiver`).
 */
export async function verifyLiveKitWebhook(request: WebhookRequest, apiKey: string, apiSecret: string): Promise<boolean> {
  const header = request.headers.get("authorization");
  if (!header) return false;
  const token = header.replace(/^Bearer\s+/i, "").trim();
  const claims = await verifyAccessToken(token, apiKey, apiSecret, request.now);
  if (!claims || typeof claims.sha256 !== "string") return false;
  return claims.sha256 === (await sha256Base64(request.body));
}

interface Participant {
  identity?: string;
  kind?: string | number;
  attributes?: Record<string, string>;
  metadata?: string;
  disconnectReason?: string | number;
  disconnect_reason?: string | number;
}

/** ParticipantInfo.Kind: SIP is 3 and AGENT 4 when a server sends enums as numbers. */
const KIND_NAMES: Record<number, string> = { 0: "STANDARD", 1: "INGRESS", 2: "EGRESS", 3: "SIP", 4: "AGENT" };

export function parseLiveKitWebhook(body: string): WebhookEvent[] {
  const payload = JSON.parse(body) as { event?: unknown; room?: { name?: string }; participant?: Participant };
  if (typeof payload.event !== "string") throw new Error("not a LiveKit webhook");
  const room = payload.room?.name;
  // Rooms we did not create (the tenant's other LiveKit work) are none of our business.
  const ours = room ? parseRoomName(room) : null;
  if (!room || !ours) return [];
  const event = liveKitEvent(payload.event, payload.participant);
  if (!event) return [];
  return [{ type: payload.event, callId: ours.callId, attempt: ours.attempt, providerCallId: room, event }];
}

/** What a room or participant event says about the call; null for events that say nothing. */
export function liveKitEvent(type: string, participant: Participant | undefined): ProviderEvent | null {
  if (type === "room_finished") {
    return { status: "completed", outcome: "human", finalReport: { outcome: "human" }, ifUnanswered: { status: "failed", outcome: "no_answer" } };
  }
  if (!participant) return null;
  const kind = enumName(participant.kind, KIND_NAMES) ?? "STANDARD";
  if (kind === "AGENT" && type === "participant_left") return agentReport(participant.metadata);
  if (kind !== "SIP") return null;
  const callStatus = participant.attributes?.[CALL_STATUS_ATTRIBUTE];
  switch (type) {
    case "participant_joined":
      return callStatus === "active" ? LIVEKIT_SIP_CALL_STATUSES.active! : { status: "dialing", detail: { sip_call_status: callStatus ?? null } };
    case "track_published":
      // Media from the phone: the callee picked up (attribute changes send no webhook of their own).
      return { status: "in-progress", outcome: "human" };
    case "participant_left":
    case "participant_connection_aborted": {
      const reason = enumName(participant.disconnectReason ?? participant.disconnect_reason, DISCONNECT_REASON_NAMES) ?? "UNKNOWN_REASON";
      const mapped = LIVEKIT_DISCONNECT_REASONS[reason] ?? LIVEKIT_DISCONNECT_REASONS.UNKNOWN_REASON!;
      const detail = { disconnect_reason: reason, sip_call_status: callStatus ?? null };
      return {
        ...mapped,
        detail,
        ...(mapped.status === "summarizing" ? { finalReport: { disconnect_reason: reason } } : {}),
        ...(mapped.ifUnanswered ? { ifUnanswered: { ...mapped.ifUnanswered, detail } } : {}),
      };
    }
    default:
      return null;
  }
}

/** The agent may leave its report as JSON in its participant metadata; it joins the final report. */
function agentReport(metadata: string | undefined): ProviderEvent | null {
  if (!metadata) return null;
  try {
    const report = JSON.parse(metadata);
    return report && typeof report === "object" && !Array.isArray(report) ? { finalReport: report } : null;
  } catch {
    return null;
  }
}

function enumName(value: string | number | undefined, names: Record<number, string> | readonly string[]): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return (names as Record<number, string>)[value];
  return undefined;
}
