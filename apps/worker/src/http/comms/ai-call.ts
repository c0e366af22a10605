import type { AiCallRequest, CallCreate, CommsCallProvider } from "@switchboard/schemas";
import { chatForPatient } from "../../chats/store";
import type { Db } from "../../lib/db";
import { getPatient } from "../../patients/store";
import { getCredentialRow } from "../../voice/credentials";
import { agentForAssistant } from "../../agents/for-assistant";
import { commsError } from "./errors";

const VENDOR_NAMES: Record<CommsCallProvider, string> = { livekit: "LiveKit", retell: "Retell" };

/**
 * An AI call request in the core's terms: a one-patient POST /api/v1/calls with the tenant's agent
 * for the assistant type on the requested vendor (placed first on that vendor, failing over to the
 * agent's others as any call does). Refuses, in /comms words, what the tenant has not set up.
 */
export async function aiCallAsCreate(db: Db, tenantId: string, request: AiCallRequest): Promise<CallCreate> {
  const patient = await getPatient(db, tenantId, request.patientId);
  if (!patient) throw commsError(404, "Patient not found");
  if (!patient.phoneNumber) throw commsError(409, "The patient has no phone number: add one with PATCH /api/v1/patients/{patientId}");
  const [configured, agent] = await Promise.all([
    getCredentialRow(db, tenantId, request.provider),
    agentForAssistant(db, tenantId, request.assistantType, request.provider),
  ]);
  if (!configured || !agent) throw commsError(400, missingSetup(request, Boolean(configured), Boolean(agent)));

  // The chat exists before the call, so the call belongs to it from its first read.
  await chatForPatient(db, tenantId, patient.id);
  const context = {
    assistantType: request.assistantType,
    reasonForCall: request.reasonForCall,
    eventId: request.eventId ?? null,
    provider: request.provider,
  };
  return {
    patients: [{ patientId: patient.id, extended: context }],
    agentId: agent.id,
    recording: true,
    reason: request.reasonForCall,
    name: `AI call: ${request.assistantType}`,
  };
}

/** What the tenant must set up before /comms can call on this vendor, as the 400's detail. */
function missingSetup(request: AiCallRequest, configured: boolean, hasAgent: boolean): string {
  const { provider, assistantType } = request;
  const problems: string[] = [];
  const steps: string[] = [];
  if (!configured) {
    problems.push(`Provider ${provider} is not configured for this tenant`);
    steps.push(`store the tenant's ${VENDOR_NAMES[provider]} credentials with PUT /api/v1/providers/${provider}`);
  }
  if (!hasAgent) {
    problems.push(configured ? `No agent for assistantType ${assistantType} on provider ${provider}` : `no agent for assistantType ${assistantType} runs on it`);
    steps.push(
      `create one with POST /api/v1/agents ({"assistantType": "${assistantType}", "providers": [{"provider": "${provider}", "agent": "<the ${VENDOR_NAMES[provider]} agent>"}]})`,
    );
  }
  return `${problems.join(" and ")}: ${steps.join(", then ")}`;
}
