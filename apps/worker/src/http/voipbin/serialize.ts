import type { AgentSettings } from "@switchboard/schemas";
import type { CallView } from "../../calls/read-model";
import { aicallStatus } from "./mapping";
import { NIL_UUID, NOT_YET, type VoipbinAicall } from "./schema";
import { voipbinTime } from "./time";

/** A Switchboard call as VoIPbin's AIcall. Model and voice fields are the agent's current settings. */
export function toAicall(view: CallView): VoipbinAicall {
  const { call, agent } = view;
  const settings = (agent?.settings ?? {}) as Partial<AgentSettings>;
  return {
    id: call.id,
    customer_id: call.tenantId,
    assistance_type: "ai",
    assistance_id: call.agentId,
    ai_engine_model: settings.model ?? "",
    ai_tts_type: settings.ttsProvider ?? "",
    ai_tts_voice_id: settings.voice ?? "",
    ai_stt_type: settings.sttProvider ?? "",
    ai_vad_config: null,
    ai_smart_turn_enabled: false,
    // What the call hands the agent: the patient's `extended` data (a Vocode call's context).
    parameter: call.clientMetadata ?? {},
    activeflow_id: NIL_UUID,
    reference_type: "call",
    reference_id: call.patientId ?? NIL_UUID,
    confbridge_id: NIL_UUID,
    current_member_id: NIL_UUID,
    status: aicallStatus(call.status, call.outcome ?? null),
    stt_language: settings.language ?? "",
    tm_end: voipbinTime(call.endedAt),
    tm_create: voipbinTime(call.createdAt),
    tm_update: voipbinTime(call.updatedAt),
    // Calls are never deleted.
    tm_delete: NOT_YET,
  };
}
