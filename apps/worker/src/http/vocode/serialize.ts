import type { AgentSettings } from "@switchboard/schemas";
import type { CallView } from "../../calls/read-model";
import { vocodeErrorMessage, vocodeHumanDetection, vocodeStage, vocodeStageOutcome, vocodeStatus } from "./mapping";
import { VOCODE_LANGUAGES, type VocodeAgent, type VocodeCall, type VocodeNormalizedCall, type VocodeVoice } from "./schema";

/**
 * The fields a Vocode call and its list item share, in Vocode's order; they differ in how they give
 * the times, the agent and the telephony account connection.
 */
function callFields<T, A, C>(view: CallView, times: { start_time: T; end_time: T }, agent: A, connection: C) {
  const { call, options } = view;
  const state = { status: call.status, outcome: call.outcome ?? null, answered: view.answered, policyReason: call.policyReason };
  return {
    id: call.id,
    user_id: call.tenantId,
    status: vocodeStatus(state),
    error_message: vocodeErrorMessage(state),
    // Switchboard keeps no recordings.
    recording_available: false,
    transcript: transcriptText(call.transcript),
    human_detection_result: vocodeHumanDetection(state),
    do_not_call_result: options?.doNotCallResult ?? null,
    telephony_id: call.providerCallId,
    stage: vocodeStage(state),
    stage_outcome: vocodeStageOutcome(state),
    telephony_metadata: null,
    ...times,
    to_number: call.phoneNumber,
    from_number: options?.fromNumber ?? "",
    agent,
    // Vocode requires one of its two carriers; Switchboard's carrier sits behind the agent's provider.
    telephony_provider: "twilio" as const,
    agent_phone_number: options?.fromNumber ?? "",
    hipaa_compliant: options?.hipaaCompliant ?? false,
    on_no_human_answer: options?.onNoHumanAnswer ?? "continue",
    context: contextOf(call.clientMetadata),
    run_do_not_call_detection: options?.runDoNotCallDetection ?? null,
    telephony_account_connection: connection,
    telephony_params: options?.telephonyParams ?? null,
  };
}

export function toVocodeCall(view: CallView): VocodeCall {
  const { call } = view;
  return callFields(view, { start_time: isoOrNull(call.startedAt), end_time: isoOrNull(call.endedAt) }, toVocodeAgent(view), null);
}

/** The list's item: the agent by id, times as epoch seconds. */
export function toVocodeListItem(view: CallView): VocodeNormalizedCall {
  const { call } = view;
  const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);
  return callFields(view, { start_time: seconds(call.startedAt), end_time: seconds(call.endedAt) }, call.agentId, null);
}

/** The Switchboard agent in Vocode's shape; a deleted agent leaves only its id. Prompts are not echoed for HIPAA calls. */
function toVocodeAgent(view: CallView): VocodeAgent {
  const { call, agent, options } = view;
  const settings = (agent?.settings ?? {}) as Partial<AgentSettings>;
  const owned = { id: call.agentId, user_id: call.tenantId };
  const prompt = options?.hipaaCompliant ? "" : (settings.prompt ?? "");
  const language = settings.language?.split("-")[0]?.toLowerCase();
  return {
    ...owned,
    name: agent?.name ?? null,
    prompt: { ...owned, content: prompt, collect_fields: [], context_endpoint: null, prompt_template: null },
    language: VOCODE_LANGUAGES.find((l) => l === language) ?? null,
    actions: [],
    voice: voiceOf(owned, settings),
    initial_message: settings.greeting ?? null,
    webhook: null,
    vector_database: null,
    interrupt_sensitivity: null,
    context_endpoint: null,
    noise_suppression: null,
    endpointing_sensitivity: null,
    ivr_navigation_mode: null,
    conversation_speed: null,
    initial_message_delay: null,
    openai_model_name_override: settings.model?.startsWith("openai.") ? settings.model.slice("openai.".length) : null,
    ask_if_human_present_on_idle: null,
    openai_account_connection: null,
    run_do_not_call_detection: null,
    llm_fallback: null,
    deepgram_keywords: null,
    idle_time_seconds: null,
    llm_temperature: null,
  };
}

/** ElevenLabs, Play.ht and Rime voices keep their Vocode type; Azure, any other vendor, or none is shown as an Azure voice by name. */
function voiceOf(owned: { id: string; user_id: string }, settings: Partial<AgentSettings>): VocodeVoice {
  const voice = settings.voice ?? "";
  switch (settings.ttsProvider?.toLowerCase().replace(/[^a-z]/g, "")) {
    case "elevenlabs":
      return {
        ...owned,
        type: "voice_eleven_labs",
        voice_id: voice,
        stability: null,
        similarity_boost: null,
        api_key: null,
        optimize_streaming_latency: null,
        model_id: null,
        experimental_input_streaming: null,
      };
    case "playht":
      return {
        ...owned,
        type: "voice_play_ht",
        voice_id: voice,
        api_user_id: null,
        api_key: null,
        version: null,
        speed: null,
        quality: null,
        temperature: null,
        top_p: null,
        text_guidance: null,
        voice_guidance: null,
        experimental_remove_silence: null,
      };
    case "rime":
      return { ...owned, type: "voice_rime", speaker: voice, speed_alpha: null, model_id: null };
    default:
      return { ...owned, type: "voice_azure", voice_name: voice, pitch: null, rate: null };
  }
}

/** Vocode's transcript format: one `BOT: …` / `HUMAN: …` line per turn. */
function transcriptText(turns: unknown[] | null): string | null {
  if (!turns?.length) return null;
  return turns
    .map((turn) => {
      const { role, text } = turn as { role?: string; text?: string };
      return `${role === "agent" ? "BOT" : "HUMAN"}: ${text ?? ""}`;
    })
    .join("\n");
}

/** Vocode's context is string to string; values set through other surfaces are shown as JSON. */
function contextOf(metadata: Record<string, unknown> | null): Record<string, string | null> | null {
  if (!metadata) return null;
  return Object.fromEntries(
    Object.entries(metadata).map(([key, value]) => [key, value === null || typeof value === "string" ? value : JSON.stringify(value)]),
  );
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
