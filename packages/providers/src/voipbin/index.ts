import { fromHex, hmacSha256Verify } from "../crypto";
import { baseOf, jsonInit, jsonOf, vendorRequest, type VendorHttp } from "../http";
import { ProviderError, type CallProvider, type PlaceCallRequest, type ProviderEvent, type WebhookEvent, type WebhookRequest } from "../types";
import { dynamicVariables } from "../variables";
import { VOIPBIN_AICALL_EVENTS, voipbinCallEvent, type VoipbinCall } from "./status";

export interface VoipbinConfig {
  /** An access key (sent as `?accesskey=`). */
  apiKey: string;
  /** The customer's webhook signing secret. */
  webhookSecret: string;
  baseUrl?: string | null;
  fromNumber?: string | null;
  talkDurationSeconds?: number;
}

export const VOIPBIN_BASE_URL = "https://api.voipbin.net/v1.0";
export const VOIPBIN_SIGNATURE_HEADER = "x-voipbin-signature";

/**
 * VoIPbin (https://api.voipbin.net/docs): an outbound call whose flow is one `ai_talk` action with
 * the agent's AI (or team), or an existing flow when the agent names `flow:<id>`.
 */
export function createVoipbinProvider(config: VoipbinConfig, http: VendorHttp): CallProvider {
  const base = baseOf(config.baseUrl, VOIPBIN_BASE_URL);
  const url = (path: string) => `${base}${path}?accesskey=${encodeURIComponent(config.apiKey)}`;
  return {
    name: "voipbin",
    async placeCall(request: PlaceCallRequest) {
      const from = request.fromNumber ?? config.fromNumber;
      if (!from) throw new ProviderError("voipbin needs a from number", false);
      if (!request.remoteAgent) throw new ProviderError("voipbin needs the agent's AI id (or flow:<id>)", false);
      const body = {
        source: { type: "tel", target: from },
        destinations: [{ type: "tel", target: request.toNumber }],
        ...talk(request, config),
        variables: { ...dynamicVariables(request.metadata, request.reason), switchboard_call_id: request.callId },
      };
      const response = await vendorRequest(http, "voipbin", url("/calls"), jsonInit("POST", body, {}));
      const created = await jsonOf<{ calls?: VoipbinCall[] }>("voipbin", response);
      const id = created.calls?.[0]?.id;
      if (typeof id !== "string") throw new ProviderError("voipbin answered without a call", true);
      return { providerCallId: id };
    },
    async hangup(providerCallId: string) {
      await vendorRequest(http, "voipbin", url(`/calls/${encodeURIComponent(providerCallId)}/hangup`), { method: "POST" });
    },
    async getCall(providerCallId: string): Promise<ProviderEvent | null> {
      let response: Response;
      try {
        response = await vendorRequest(http, "voipbin", url(`/calls/${encodeURIComponent(providerCallId)}`), { method: "GET" });
      } catch (error) {
        if (error instanceof ProviderError && error.status === 404) return null;
        throw error;
      }
      return voipbinCallEvent(await jsonOf<VoipbinCall>("voipbin", response));
    },
    verifyWebhook: (request) => verifyVoipbinSignature(request, config.webhookSecret),
    parseWebhook: parseVoipbinWebhook,
  };
}

/** The flow of the call: the agent's AI talking, or the flow it names. */
function talk(request: PlaceCallRequest, config: VoipbinConfig) {
  const remote = request.remoteAgent!;
  if (remote.startsWith("flow:")) return { flow_id: remote.slice("flow:".length) };
  const [type, id] = remote.startsWith("team:") ? ["team", remote.slice("team:".length)] : ["ai", remote];
  const duration = config.talkDurationSeconds ?? numberOr(request.agent.settings.maxDurationSeconds, 900);
  return { actions: [{ type: "ai_talk", option: { assistance_type: type, assistance_id: id, duration } }] };
}

/** `X-VoIPBIN-Signature: sha256=<hex HMAC-SHA256(secret, body)>` (VoIPbin webhook-manager). */
export async function verifyVoipbinSignature(request: WebhookRequest, secret: string): Promise<boolean> {
  const header = request.headers.get(VOIPBIN_SIGNATURE_HEADER)?.trim();
  const digest = header?.startsWith("sha256=") ? fromHex(header.slice("sha256=".length), 32) : null;
  if (!digest) return false;
  return hmacSha256Verify(secret, request.body, digest);
}

/** `{ type, data }`: `call_*` events carry the call, `aicall_*` events the AI call on it. */
export function parseVoipbinWebhook(body: string): WebhookEvent[] {
  const payload = JSON.parse(body) as { type?: unknown; data?: Record<string, unknown> };
  if (typeof payload.type !== "string" || !payload.data || typeof payload.data !== "object") throw new Error("not a VoIPbin webhook");
  const { type, data } = payload;
  if (type.startsWith("aicall_")) {
    if (data.reference_type !== "call" || typeof data.reference_id !== "string") return [];
    return [{ type, providerCallId: data.reference_id, event: VOIPBIN_AICALL_EVENTS[type] ?? {} }];
  }
  if (type.startsWith("call_") && typeof data.id === "string") {
    return [{ type, providerCallId: data.id, event: voipbinCallEvent(data as unknown as VoipbinCall) }];
  }
  return [];
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
