import { baseOf, jsonInit, jsonOf, vendorRequest, type VendorHttp } from "../http";
import { ProviderError, type CallProvider, type PlaceCallRequest, type ProviderEvent, type WebhookEvent } from "../types";
import { dynamicVariables, transcriptFromText } from "../variables";
import { vocodeEvent, type VocodeCall } from "./status";

export interface VocodeConfig {
  apiKey: string;
  baseUrl?: string | null;
  fromNumber?: string | null;
  onNoHumanAnswer?: "continue" | "hangup";
  runDoNotCallDetection?: boolean;
  hipaaCompliant?: boolean;
}

export const VOCODE_BASE_URL = "https://api.vocode.dev";

/** Vocode's hosted API (https://docs.vocode.dev): outbound calls with a Vocode agent. */
export function createVocodeProvider(config: VocodeConfig, http: VendorHttp): CallProvider {
  const base = baseOf(config.baseUrl, VOCODE_BASE_URL);
  const auth = { Authorization: `Bearer ${config.apiKey}` };
  return {
    name: "vocode",
    async placeCall(request: PlaceCallRequest) {
      const from = request.fromNumber ?? config.fromNumber;
      if (!from) throw new ProviderError("vocode needs a from number", false);
      if (!request.remoteAgent) throw new ProviderError("vocode needs the agent's Vocode agent id", false);
      const body = {
        from_number: from,
        to_number: request.toNumber,
        agent: request.remoteAgent,
        // The agent's prompt template reads these (required_context_keys).
        context: dynamicVariables(request.metadata, request.reason),
        ...(config.onNoHumanAnswer ? { on_no_human_answer: config.onNoHumanAnswer } : {}),
        ...(config.runDoNotCallDetection !== undefined ? { run_do_not_call_detection: config.runDoNotCallDetection } : {}),
        // A HIPAA-mode call asks Vocode for it too, whatever the tenant's default.
        ...(request.hipaaCompliant ? { hipaa_compliant: true } : config.hipaaCompliant !== undefined ? { hipaa_compliant: config.hipaaCompliant } : {}),
      };
      const response = await vendorRequest(http, "vocode", `${base}/v1/calls/create`, jsonInit("POST", body, auth));
      const call = await jsonOf<VocodeCall>("vocode", response);
      if (typeof call.id !== "string") throw new ProviderError("vocode answered without a call id", true);
      return { providerCallId: call.id };
    },
    async hangup(providerCallId: string) {
      await vendorRequest(http, "vocode", `${base}/v1/calls/end?id=${encodeURIComponent(providerCallId)}`, { method: "POST", headers: auth });
    },
    async getCall(providerCallId: string): Promise<ProviderEvent | null> {
      let response: Response;
      try {
        response = await vendorRequest(http, "vocode", `${base}/v1/calls?id=${encodeURIComponent(providerCallId)}`, { method: "GET", headers: auth });
      } catch (error) {
        if (error instanceof ProviderError && error.status === 404) return null;
        throw error;
      }
      const call = await jsonOf<VocodeCall>("vocode", response);
      return withData(vocodeEvent(call), call);
    },
    // Vocode signs nothing: the URL's secret token is the check, done where the tenant is found.
    verifyWebhook: async () => true,
    parseWebhook: parseVocodeWebhook,
  };
}

/**
 * Vocode's event payloads are not part of its published reference, so an event is only a nudge:
 * we take the call id from it and ask GET /v1/calls for the state before anything changes.
 */
export function parseVocodeWebhook(body: string): WebhookEvent[] {
  const payload = JSON.parse(body) as Record<string, unknown>;
  const call = (payload.call ?? {}) as Record<string, unknown>;
  const id = [call.id, payload.call_id, payload.conversation_id, payload.id].find((v): v is string => typeof v === "string" && v.length > 0);
  if (!id) throw new Error("a Vocode event without a call id");
  const type = typeof payload.type === "string" ? payload.type : typeof payload.event === "string" ? payload.event : "vocode_event";
  return [{ type, providerCallId: id, event: {}, confirm: true }];
}

function withData(event: ProviderEvent, call: VocodeCall): ProviderEvent {
  const ended = event.status === "completed" || event.status === "failed";
  // Vocode's own times are the call's, where it reports them.
  const times: Pick<ProviderEvent, "startedAt" | "endedAt"> = {};
  const startedAt = call.start_time ? Date.parse(call.start_time) : NaN;
  const endedAt = call.end_time ? Date.parse(call.end_time) : NaN;
  if (Number.isFinite(startedAt)) times.startedAt = startedAt;
  if (Number.isFinite(endedAt) && ended) times.endedAt = endedAt;
  if (!ended) return { ...event, ...times };
  const out: ProviderEvent = { ...event, ...times };
  if (call.transcript) out.transcript = transcriptFromText(call.transcript, { bot: "agent", agent: "agent", ai: "agent", human: "patient", user: "patient" });
  out.finalReport = {
    outcome: event.outcome,
    stage: call.stage ?? null,
    stage_outcome: call.stage_outcome ?? null,
    human_detection_result: call.human_detection_result ?? null,
    do_not_call_result: call.do_not_call_result ?? null,
    recording_available: call.recording_available ?? false,
    ...(call.error_message ? { error_message: call.error_message } : {}),
  };
  return out;
}
