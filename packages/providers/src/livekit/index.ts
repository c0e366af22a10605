import { baseOf, jsonInit, jsonOf, vendorRequest, type VendorHttp } from "../http";
import { ProviderError, type CallProvider, type PlaceCallRequest, type ProviderEvent } from "../types";
import { dynamicVariables } from "../variables";
import { LIVEKIT_SIP_CALL_STATUSES } from "./status";
import { signAccessToken, type LiveKitGrants } from "./token";
import { CALL_STATUS_ATTRIBUTE, parseLiveKitWebhook, parseRoomName, roomName, verifyLiveKitWebhook } from "./webhook";

export interface LiveKitConfig {
  apiKey: string;
  apiSecret: string;
  /** The project URL (https://<project>.livekit.cloud or a self-hosted server); ws(s) is read as http(s). */
  baseUrl: string;
  fromNumber?: string | null;
  sipTrunkId: string;
  /** The agent to dispatch when the agent's providers entry names none. */
  agentName?: string | null;
  ringingTimeoutSeconds?: number;
  krispEnabled?: boolean;
}

/** The SIP participant's identity in the call's room: derived from the call, so reconciliation can find it. */
export function sipIdentity(callId: string): string {
  return `sip-${callId}`;
}

/**
 * LiveKit (Twirp APIs, https://docs.livekit.io/reference/server/server-apis): an explicit agent
 * dispatch into room `outbound-<callId>` (`-attempt-<n>` after the first attempt), then an outbound
 * SIP participant dialing the patient.
 */
export function createLiveKitProvider(config: LiveKitConfig, http: VendorHttp): CallProvider {
  const base = baseOf(config.baseUrl.replace(/^ws/, "http"), config.baseUrl);
  const twirp = async (service: string, method: string, body: unknown, grants: LiveKitGrants) => {
    const token = await signAccessToken(config.apiKey, config.apiSecret, grants);
    return vendorRequest(http, "livekit", `${base}/twirp/livekit.${service}/${method}`, jsonInit("POST", body, { Authorization: `Bearer ${token}` }));
  };
  const deleteRoom = async (room: string) => {
    try {
      await twirp("RoomService", "DeleteRoom", { room }, { video: { roomCreate: true } });
    } catch (error) {
      if (!(error instanceof ProviderError && error.status === 404)) throw error;
    }
  };

  return {
    name: "livekit",
    async placeCall(request: PlaceCallRequest) {
      const agentName = request.remoteAgent || config.agentName;
      if (!agentName) throw new ProviderError("livekit needs an agent name (the agent's providers entry or the LiveKit options)", false);
      const room = roomName(request.callId, request.attempt);
      const metadata = JSON.stringify({
        callId: request.callId,
        agentId: request.agent.id,
        reason: request.reason,
        variables: dynamicVariables(request.metadata, request.reason),
      });
      await twirp("AgentDispatchService", "CreateDispatch", { room, agentName, metadata }, { video: { roomAdmin: true, room } });
      const from = request.fromNumber ?? config.fromNumber;
      const sip = {
        sipTrunkId: config.sipTrunkId,
        sipCallTo: request.toNumber,
        ...(from ? { sipNumber: from } : {}),
        roomName: room,
        participantIdentity: sipIdentity(request.callId),
        participantName: "Patient",
        participantAttributes: { "switchboard.callId": request.callId },
        ...(config.ringingTimeoutSeconds ? { ringingTimeout: `${config.ringingTimeoutSeconds}s` } : {}),
        ...(config.krispEnabled !== undefined ? { krispEnabled: config.krispEnabled } : {}),
        // waitUntilAnswered stays at its default (false): the request returns once dialing starts and the
        // answer, or its absence, arrives as webhooks.
      };
      try {
        // The SDK mints this token with an empty video grant and the SIP call grant.
        const response = await twirp("SIP", "CreateSIPParticipant", sip, { video: {}, sip: { call: true } });
        await jsonOf("livekit", response);
      } catch (error) {
        // Don't leave the dispatched agent waiting in an empty room.
        await deleteRoom(room).catch(() => undefined);
        throw error;
      }
      return { providerCallId: room };
    },
    async hangup(room: string) {
      // Deleting the room drops the phone line and ends the agent's job with it.
      await deleteRoom(room);
    },
    async getCall(room: string): Promise<ProviderEvent | null> {
      const identity = sipIdentity(parseRoomName(room)?.callId ?? room);
      let response: Response;
      try {
        response = await twirp("RoomService", "GetParticipant", { room, identity }, { video: { roomAdmin: true, room } });
      } catch (error) {
        if (error instanceof ProviderError && error.status === 404) {
          // The line is gone and we missed how it ended.
          const detail = { reconciled: "participant_gone" };
          return { status: "completed", outcome: "human", detail, finalReport: { outcome: "human" }, ifUnanswered: { status: "failed", outcome: "no_answer", detail } };
        }
        throw error;
      }
      const participant = await jsonOf<{ attributes?: Record<string, string> }>("livekit", response);
      return LIVEKIT_SIP_CALL_STATUSES[participant.attributes?.[CALL_STATUS_ATTRIBUTE] ?? ""] ?? {};
    },
    verifyWebhook: (request) => verifyLiveKitWebhook(request, config.apiKey, config.apiSecret),
    parseWebhook: parseLiveKitWebhook,
  };
}
