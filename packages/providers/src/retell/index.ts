import { baseOf, jsonInit, jsonOf, vendorRequest, type VendorHttp } from "../http";
import { ProviderError, type CallProvider, type PlaceCallRequest, type ProviderEvent } from "../types";
import { dynamicVariables } from "../variables";
import { RETELL_CALL_STATUSES, retellEnding } from "./status";
import { ATTEMPT_KEY, CALL_ID_KEY, callData, parseRetellWebhook, verifyRetellSignature, type RetellCall } from "./webhook";

export interface RetellConfig {
  apiKey: string;
  /** A webhook-enabled API key, when the calling key is not one; signatures are keyed by it. */
  webhookKey?: string | null;
  baseUrl?: string | null;
  fromNumber?: string | null;
}

export const RETELL_BASE_URL = "https://api.retellai.com";

/** Retell AI (https://docs.retellai.com/api-references): phone calls with a Retell agent. */
export function createRetellProvider(config: RetellConfig, http: VendorHttp): CallProvider {
  const base = baseOf(config.baseUrl, RETELL_BASE_URL);
  const auth = { Authorization: `Bearer ${config.apiKey}` };
  return {
    name: "retell",
    async placeCall(request: PlaceCallRequest) {
      const from = request.fromNumber ?? config.fromNumber;
      if (!from) throw new ProviderError("retell needs a from number", false);
      const body = {
        from_number: from,
        to_number: request.toNumber,
        override_agent_id: request.remoteAgent ?? undefined,
        // Echoed on every webhook: how an event finds its call.
        metadata: { [CALL_ID_KEY]: request.callId, [ATTEMPT_KEY]: request.attempt, switchboard_agent_id: request.agent.id },
        retell_llm_dynamic_variables: dynamicVariables(request.metadata, request.reason),
      };
      const response = await vendorRequest(http, "retell", `${base}/v2/create-phone-call`, jsonInit("POST", body, auth));
      const call = await jsonOf<RetellCall>("retell", response);
      if (typeof call.call_id !== "string") throw new ProviderError("retell answered without a call_id", true);
      return { providerCallId: call.call_id };
    },
    async hangup(providerCallId: string) {
      await vendorRequest(http, "retell", `${base}/v2/stop-call/${encodeURIComponent(providerCallId)}`, { method: "POST", headers: auth });
    },
    async getCall(providerCallId: string): Promise<ProviderEvent | null> {
      let response: Response;
      try {
        response = await vendorRequest(http, "retell", `${base}/v2/get-call/${encodeURIComponent(providerCallId)}`, { method: "GET", headers: auth });
      } catch (error) {
        if (error instanceof ProviderError && error.status === 404) return null;
        throw error;
      }
      const call = await jsonOf<RetellCall>("retell", response);
      if (call.call_status === "ended" || call.call_status === "not_connected") {
        const analyzed = call.call_analysis !== undefined && call.call_analysis !== null;
        // A call that never connected and names no reason rang out.
        const reason = call.disconnection_reason ?? (call.call_status === "not_connected" ? "dial_no_answer" : undefined);
        const ending = retellEnding(reason, analyzed);
        return {
          ...ending,
          ...callData(call),
          ...(analyzed ? { finalReport: { outcome: ending.outcome, ...call.call_analysis } } : {}),
        };
      }
      const status = RETELL_CALL_STATUSES[call.call_status ?? ""] ?? {};
      const { startedAt } = callData(call);
      return startedAt !== undefined && status.status === "in-progress" ? { ...status, startedAt } : status;
    },
    verifyWebhook: (request) => verifyRetellSignature(request, config.webhookKey || config.apiKey),
    parseWebhook: parseRetellWebhook,
  };
}
