import { z } from "@hono/zod-openapi";

/*
 * VoIPbin's AIcall resource, field for field (docs "AIcall" struct, bin-openapi-manager
 * AIManagerAIcall, and its common conventions). Component names carry a `Voipbin` prefix.
 */

export const AICALL_STATUSES = ["initiating", "progressing", "pausing", "resuming", "terminating", "terminated"] as const;
export type AicallStatus = (typeof AICALL_STATUSES)[number];

/** VoIPbin's "no reference" id. */
export const NIL_UUID = "00000000-0000-0000-0000-000000000000";
/** VoIPbin's timestamp for something that has not happened. */
export const NOT_YET = "9999-01-01 00:00:00.000000";

export const VoipbinAicall = z
  .object({
    id: z.string(),
    customer_id: z.string().openapi({ description: "The tenant" }),
    assistance_type: z.literal("ai"),
    assistance_id: z.string().openapi({ description: "The Switchboard agent" }),
    ai_engine_model: z.string(),
    ai_tts_type: z.string(),
    ai_tts_voice_id: z.string(),
    ai_stt_type: z.string(),
    ai_vad_config: z.record(z.string(), z.unknown()).nullable(),
    ai_smart_turn_enabled: z.boolean(),
    parameter: z.record(z.string(), z.unknown()),
    activeflow_id: z.string(),
    reference_type: z.literal("call"),
    reference_id: z.string().openapi({ description: "The patient called" }),
    confbridge_id: z.string(),
    current_member_id: z.string(),
    status: z.enum(AICALL_STATUSES),
    stt_language: z.string(),
    tm_end: z.string().openapi({ example: NOT_YET }),
    tm_create: z.string().openapi({ example: "2024-03-01 10:00:00.000000" }),
    tm_update: z.string(),
    tm_delete: z.string().openapi({ example: NOT_YET }),
  })
  .openapi("VoipbinAIcall");
export type VoipbinAicall = z.infer<typeof VoipbinAicall>;

export const VoipbinAicallList = z
  .object({
    result: z.array(VoipbinAicall),
    next_page_token: z.string().openapi({ description: "Pass as page_token for the next page; empty on the last page" }),
  })
  .openapi("VoipbinAIcallList");

export const VoipbinAicallCreate = z
  .object({
    assistance_type: z.string().openapi({ description: "`ai` (teams are not supported)", example: "ai" }),
    assistance_id: z.string().openapi({ description: "The id of a Switchboard agent" }),
    reference_type: z.string().openapi({ description: "`call`", example: "call" }),
    reference_id: z.string().openapi({ description: "The id of the patient to call" }),
  })
  .openapi("VoipbinAIcallCreateRequest");

export const VOIPBIN_ERROR_STATUSES = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  402: "PAYMENT_REQUIRED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "FAILED_PRECONDITION",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
} as const;
export type VoipbinHttpStatus = keyof typeof VOIPBIN_ERROR_STATUSES;

export const VoipbinErrorResponse = z
  .object({
    error: z.object({
      status: z.enum(Object.values(VOIPBIN_ERROR_STATUSES) as [string, ...string[]]),
      reason: z.string().openapi({ example: "AICALL_NOT_FOUND" }),
      message: z.string(),
      request_id: z.string(),
    }),
  })
  .openapi("VoipbinErrorResponse");
