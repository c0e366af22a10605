import { z } from "@hono/zod-openapi";

/*
 * Vocode's hosted calls API, field for field (docs.vocode.dev/api-reference/calls and the
 * generated vocode-api-python SDK). Component names carry a `Vocode` prefix so they never collide
 * with Switchboard's own.
 */

export const VOCODE_STATUSES = ["not_started", "in_progress", "error", "ended"] as const;
export const VOCODE_STAGES = ["created", "picked_up", "transfer_started", "transfer_successful"] as const;
export const VOCODE_STAGE_OUTCOMES = [
  "human_unanswered",
  "call_did_not_connect",
  "human_disconnected",
  "bot_disconnected",
  "transfer_unanswered",
  "transfer_disconnected",
] as const;
export const VOCODE_HUMAN_DETECTION = ["human", "no_human"] as const;
export const VOCODE_LANGUAGES = ["en", "es", "de", "hi", "pt", "fr", "nl", "id", "it", "ja", "ko"] as const;
export const ON_NO_HUMAN_ANSWER = ["continue", "hangup"] as const;

export type VocodeStatus = (typeof VOCODE_STATUSES)[number];
export type VocodeStage = (typeof VOCODE_STAGES)[number];
export type VocodeStageOutcome = (typeof VOCODE_STAGE_OUTCOMES)[number];
export type VocodeHumanDetection = (typeof VOCODE_HUMAN_DETECTION)[number];

const StringMap = z.record(z.string(), z.string().nullable());

export const VocodeCreateCall = z
  .object({
    from_number: z.string().max(40),
    to_number: z.string().max(40).openapi({ description: "The patient's number in E.164; a number no patient has becomes a walk-in contact", example: "+15555550142" }),
    agent: z.string().openapi({ description: "The id of a Switchboard agent (inline agent configurations are not supported)" }),
    on_no_human_answer: z.enum(ON_NO_HUMAN_ANSWER).nullish(),
    run_do_not_call_detection: z.boolean().nullish().openapi({ description: "Check the tenant's do-not-call list before dialing; a listed number is recorded, not dialed" }),
    hipaa_compliant: z.boolean().nullish().openapi({ description: "Store no transcript, no free-text summary and no recording, and echo no prompt" }),
    context: StringMap.nullish().openapi({ description: "Passed to the agent with the call; returned as the call's client_metadata in /api/v1" }),
    telephony_params: StringMap.nullish().openapi({ description: "Kept and echoed; Switchboard's providers do not use it" }),
  })
  .openapi("VocodeCreateCallRequest");
export type VocodeCreateCall = z.infer<typeof VocodeCreateCall>;

const owned = { id: z.string(), user_id: z.string() };

const VocodePrompt = z
  .object({
    ...owned,
    content: z.string().nullable(),
    collect_fields: z.array(z.unknown()).nullable(),
    context_endpoint: z.string().nullable(),
    prompt_template: z.unknown().nullable(),
  })
  .openapi("VocodePrompt");

const VocodeVoice = z
  .union([
    z.object({ ...owned, type: z.literal("voice_azure"), voice_name: z.string(), pitch: z.number().nullable(), rate: z.number().nullable() }),
    z.object({
      ...owned,
      type: z.literal("voice_eleven_labs"),
      voice_id: z.string(),
      stability: z.number().nullable(),
      similarity_boost: z.number().nullable(),
      api_key: z.string().nullable(),
      optimize_streaming_latency: z.number().nullable(),
      model_id: z.string().nullable(),
      experimental_input_streaming: z.boolean().nullable(),
    }),
    z.object({
      ...owned,
      type: z.literal("voice_play_ht"),
      voice_id: z.string(),
      api_user_id: z.string().nullable(),
      api_key: z.string().nullable(),
      version: z.string().nullable(),
      speed: z.number().nullable(),
      quality: z.string().nullable(),
      temperature: z.number().nullable(),
      top_p: z.number().nullable(),
      text_guidance: z.number().nullable(),
      voice_guidance: z.number().nullable(),
      experimental_remove_silence: z.boolean().nullable(),
    }),
    z.object({ ...owned, type: z.literal("voice_rime"), speaker: z.string(), speed_alpha: z.number().nullable(), model_id: z.string().nullable() }),
  ])
  .openapi("VocodeVoice");
export type VocodeVoice = z.infer<typeof VocodeVoice>;

export const VocodeAgent = z
  .object({
    ...owned,
    name: z.string().nullable(),
    prompt: VocodePrompt,
    language: z.enum(VOCODE_LANGUAGES).nullable(),
    actions: z.array(z.unknown()),
    voice: VocodeVoice,
    initial_message: z.string().nullable(),
    webhook: z.unknown().nullable(),
    vector_database: z.unknown().nullable(),
    interrupt_sensitivity: z.enum(["low", "high"]).nullable(),
    context_endpoint: z.string().nullable(),
    noise_suppression: z.boolean().nullable(),
    endpointing_sensitivity: z.enum(["auto", "relaxed", "sensitive"]).nullable(),
    ivr_navigation_mode: z.enum(["default", "off"]).nullable(),
    conversation_speed: z.number().nullable(),
    initial_message_delay: z.number().nullable(),
    openai_model_name_override: z.string().nullable(),
    ask_if_human_present_on_idle: z.boolean().nullable(),
    openai_account_connection: z.unknown().nullable(),
    run_do_not_call_detection: z.boolean().nullable(),
    llm_fallback: z.unknown().nullable(),
    deepgram_keywords: z.record(z.string(), z.unknown()).nullable(),
    idle_time_seconds: z.number().int().nullable(),
    llm_temperature: z.number().nullable(),
  })
  .openapi("VocodeAgent");
export type VocodeAgent = z.infer<typeof VocodeAgent>;

const callFields = {
  id: z.string(),
  user_id: z.string().openapi({ description: "The tenant" }),
  status: z.enum(VOCODE_STATUSES),
  error_message: z.string().nullable(),
  recording_available: z.boolean(),
  transcript: z.string().nullable(),
  human_detection_result: z.enum(VOCODE_HUMAN_DETECTION).nullable(),
  do_not_call_result: z.boolean().nullable(),
  telephony_id: z.string().nullable(),
  stage: z.enum(VOCODE_STAGES),
  stage_outcome: z.enum(VOCODE_STAGE_OUTCOMES).nullable(),
  telephony_metadata: z.unknown().nullable(),
  to_number: z.string(),
  from_number: z.string(),
  telephony_provider: z.enum(["vonage", "twilio"]),
  agent_phone_number: z.string(),
  hipaa_compliant: z.boolean(),
  on_no_human_answer: z.enum(ON_NO_HUMAN_ANSWER),
  context: StringMap.nullable(),
  run_do_not_call_detection: z.boolean().nullable(),
  telephony_params: StringMap.nullable(),
};

export const VocodeCall = z
  .object({
    ...callFields,
    start_time: z.string().nullable(),
    end_time: z.string().nullable(),
    agent: VocodeAgent,
    telephony_account_connection: z.unknown().nullable(),
  })
  .openapi("VocodeCall");
export type VocodeCall = z.infer<typeof VocodeCall>;

/** The list's item: the agent by id, times as epoch seconds. */
export const VocodeNormalizedCall = z
  .object({
    ...callFields,
    start_time: z.number().nullable(),
    end_time: z.number().nullable(),
    agent: z.string(),
    telephony_account_connection: z.string().nullable(),
  })
  .openapi("VocodeNormalizedCall");
export type VocodeNormalizedCall = z.infer<typeof VocodeNormalizedCall>;

export const VocodeCallPage = z
  .object({
    items: z.array(VocodeNormalizedCall),
    page: z.number().int(),
    size: z.number().int(),
    has_more: z.boolean(),
    total: z.number().int(),
    total_is_estimated: z.boolean(),
  })
  .openapi("VocodeCallPage");

export const VocodeValidationError = z
  .object({ detail: z.array(z.object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string() })) })
  .openapi("VocodeHTTPValidationError");
export type VocodeValidationItem = z.infer<typeof VocodeValidationError>["detail"][number];

export const VocodeHttpError = z.object({ detail: z.string() }).openapi("VocodeHTTPError");
