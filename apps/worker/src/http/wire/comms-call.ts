import { isTerminal, tables, type CommsCall, type UserTiny } from "@switchboard/schemas";
import type { CallView } from "../../calls/read-model";
import { findCallView } from "../../lifecycle/archived-calls";
import type { ArchiveBucket } from "../../lifecycle/archive-object";
import { chatForPatient } from "../../chats/store";
import type { Db } from "../../lib/db";
import { iso } from "../../lib/time";
import { patientAsUser } from "../../users/store";
import { commsCallStatus } from "./comms-call-status";

/*
 * The /comms Call object: answered by /comms and, for a chat's calls, by /api/v1/chats/{id}/calls.
 */

type AgentRow = typeof tables.agents.$inferSelect;

/** The AI agent placing a call, as the /comms user that sends it. */
function agentAsUser(agentId: string, agent: AgentRow | null): UserTiny {
  return { id: agentId, type: "ASSISTANT", firstName: agent?.name ?? "AI assistant", lastName: "", phoneNumber: null, email: null, locationId: null };
}

function text(value: unknown): string | null {
  return typeof value === "string" && value ? value : null;
}

/** A call as the /comms Call object. `chatId` is the chat of the call's patient. */
export function callToComms({ call, patient, agent }: CallView, chatId: string): CommsCall {
  const report = call.finalReport ?? {};
  const ended = isTerminal(call.status);
  return {
    id: call.id,
    chatId,
    direction: "OUTBOUND",
    status: commsCallStatus(call.status, call.outcome ?? null),
    sender: agentAsUser(call.agentId, agent),
    receiver: patientAsUser(call.patientId ?? "", patient ?? undefined, call.phoneNumber),
    completedDate: ended ? iso(call.endedAt ?? call.updatedAt) : null,
    // The field is named for Retell; it carries the vendor's id only for calls Retell placed.
    retellCallId: call.provider === "retell" ? call.providerCallId : null,
    // A call the contact policy refused before it was dialed says which rule: `refused:opted_out`.
    disconnectionReason: ended ? (call.outcome === "refused" ? `refused:${call.policyReason ?? "policy"}` : (call.outcome ?? null)) : null,
    // The vendor's recording (Retell's recording_url), or one a report names.
    pathToAudio: text(call.recordingUrl) ?? text(report.recording_url),
    // LiveKit agents report a `summary`; Retell's call analysis calls it `call_summary`.
    summary: text(report.summary) ?? text(report.call_summary),
    context: call.clientMetadata ?? {},
    createdDate: iso(call.createdAt),
    toolCalls: [],
    tags: [],
    invoiceId: null,
    type: "AI",
    locationId: null,
  };
}

/** The tenant's call in the /comms shape, or null when unknown here (or it has no patient, so no chat). */
export async function getCommsCall(db: Db, bucket: ArchiveBucket, tenantId: string, callId: string): Promise<CommsCall | null> {
  const view = await findCallView(db, bucket, tenantId, callId);
  if (!view?.call.patientId) return null;
  const { chat } = await chatForPatient(db, tenantId, view.call.patientId);
  return callToComms(view, chat.id);
}
