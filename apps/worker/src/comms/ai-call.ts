import { createProvider } from "@switchboard/providers";
import type { AiCallRequest } from "@switchboard/schemas";
import { createBatch } from "../calls/create-batch";
import { startCalls } from "../calls/dispatch";
import { chatForPatient } from "../chats/store";
import { isOptedOut } from "../consent/opt-outs";
import type { Env } from "../env";
import type { Db } from "../lib/db";
import { getPatient } from "../patients/store";
import { agentForAssistant } from "./agent-for-assistant";
import { commsError } from "./errors";

/**
 * The provider a call requested on `requested` is placed on: the simulator where this deployment
 * simulates that vendor (SIMULATED_CALL_PROVIDERS), else the vendor itself if this deployment can
 * place calls on it at all; null when it cannot.
 */
export function callProviderFor(env: Pick<Env, "SIMULATED_CALL_PROVIDERS">, requested: string): string | null {
  const simulated = (env.SIMULATED_CALL_PROVIDERS ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  if (simulated.includes(requested)) return "simulator";
  try {
    createProvider(requested);
    return requested;
  } catch {
    return null;
  }
}

/**
 * Places one AI call to a patient through the same core as POST /api/v1/calls, with the tenant's
 * agent for the assistant type on the requested provider. Returns the call's id.
 */
export async function placeAiCall(env: Env, db: Db, tenantId: string, request: AiCallRequest): Promise<string> {
  const patient = await getPatient(db, tenantId, request.patientId);
  if (!patient) throw commsError(404, "Patient not found");
  if (!patient.phoneNumber) throw commsError(409, "The patient has no phone number: add one with PATCH /api/v1/patients/{patientId}");
  if (await isOptedOut(db, tenantId, patient.phoneNumber)) {
    throw commsError(409, "The patient has opted out of contact (texted STOP); no call was placed. They opt back in by texting START.");
  }
  const placeOn = callProviderFor(env, request.provider);
  if (!placeOn) {
    throw commsError(400, `Provider ${request.provider} is not available on this deployment: configure its adapter and credentials, or send another provider`);
  }
  const agent = await agentForAssistant(db, tenantId, request.assistantType, request.provider);
  if (!agent) {
    throw commsError(
      400,
      `No agent for assistantType ${request.assistantType} on provider ${request.provider}: create one with POST /api/v1/agents (assistantType "${request.assistantType}", provider "${request.provider}")`,
    );
  }
  // The chat exists before the call, so the call belongs to it from its first read.
  await chatForPatient(db, tenantId, patient.id);
  const context = {
    assistantType: request.assistantType,
    reasonForCall: request.reasonForCall,
    eventId: request.eventId ?? null,
    provider: request.provider,
  };
  const batch = await createBatch(
    db,
    tenantId,
    { patients: [{ patientId: patient.id, extended: context }], agentId: agent.id, recording: true, reason: request.reasonForCall, name: `AI call: ${request.assistantType}` },
    Date.now(),
    { provider: placeOn },
  );
  await startCalls(env, batch.calls);
  return batch.calls[0]!.callId;
}
