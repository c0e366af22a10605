import { Purpose, type Call } from "@switchboard/schemas";
import type { CallWithPatient } from "../../../calls/read-model";
import { policyWire } from "../../../contact-policy/decide";
import { iso } from "../../../lib/time";

/** The Call object of the Calls API. `duration` is whole seconds from start to end, null until it ends. */
export function callToWire({ call, patient }: Pick<CallWithPatient, "call" | "patient">): Call {
  const duration =
    call.startedAt !== null && call.endedAt !== null ? Math.max(0, Math.round((call.endedAt - call.startedAt) / 1000)) : null;
  return {
    id: call.id,
    status: call.status,
    outcome: call.outcome ?? null,
    phone_number: call.phoneNumber,
    direction: "outbound",
    created_at: iso(call.createdAt),
    started_at: iso(call.startedAt),
    ended_at: iso(call.endedAt),
    final_report: call.finalReport ?? null,
    recording_url: call.recordingUrl ?? null,
    purpose: Purpose.safeParse(call.purpose).data ?? null,
    policy: policyWire(call),
    batch_id: call.campaignId,
    agent_id: call.agentId,
    duration,
    patient: patient
      ? {
          patient_id: patient.id,
          first_name: patient.firstName,
          last_name: patient.lastName,
          birth_date: patient.birthDate,
          email: patient.email,
          phone_number: patient.phoneNumber,
        }
      : null,
    client_metadata: call.clientMetadata ?? null,
  };
}
