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

/** Whether this deployment can place calls on `provider` at all. */
export function providerAvailable(provider: string): boolean {
  try {
    createProvider(provider);
    return true;
  } catch {
    return false;
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
  if (!providerAvailable(request.provider)) {
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
    { provider: request.provider },
  );
  await startCalls(env, batch.calls);
  return batch.calls[0]!.callId;
}
