import { z } from "@hono/zod-openapi";
import { ASSISTANT_TYPES } from "./agent";

// The `/comms` surface: a healthcare platform's published API (FastAPI style, camelCase JSON).
// Field names, enums and nullability follow its documents to the letter.

export const USER_TYPES = ["PROVIDER", "PATIENT", "ASSISTANT"] as const;
export type UserType = (typeof USER_TYPES)[number];

export const UserTiny = z
  .object({
    id: z.string(),
    type: z.enum(USER_TYPES),
    firstName: z.string(),
    lastName: z.string(),
    phoneNumber: z.string().nullable(),
    email: z.string().nullable(),
    locationId: z.string().nullable(),
  })
  .openapi("UserTiny");
export type UserTiny = z.infer<typeof UserTiny>;

export const COMMS_CALL_PROVIDERS = ["retell", "livekit"] as const;
export type CommsCallProvider = (typeof COMMS_CALL_PROVIDERS)[number];

export const AiCallRequest = z
  .object({
    assistantType: z.enum(ASSISTANT_TYPES),
    reasonForCall: z.string().max(2_000),
    patientId: z.string(),
    eventId: z.string().nullish(),
    provider: z.enum(COMMS_CALL_PROVIDERS).default("livekit"),
  })
  .openapi("AiCallRequest");
export type AiCallRequest = z.infer<typeof AiCallRequest>;

export const COMMS_CALL_STATUSES = ["CREATED", "ONGOING", "TRANSFERRED", "DISCONNECTED", "FAILED", "FINISHED", "VOICEMAIL"] as const;
export type CommsCallStatus = (typeof COMMS_CALL_STATUSES)[number];

export const ToolCallSummary = z
  .object({
    id: z.string(),
    toolName: z.string(),
    toolArguments: z.record(z.string(), z.unknown()),
    createdDate: z.string(),
    callId: z.string().nullable(),
    messageId: z.string().nullable(),
    alertId: z.string().nullable(),
    toolCallId: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    toolCallDescription: z.string().nullable(),
    hasBeenCalled: z.boolean(),
  })
  .openapi("ToolCallSummary");

export const TagSummary = z.object({ id: z.string(), name: z.string() }).openapi("TagSummary");

export const CommsCall = z
  .object({
    id: z.string(),
    chatId: z.string(),
    direction: z.enum(["INBOUND", "OUTBOUND"]),
    status: z.enum(COMMS_CALL_STATUSES),
    sender: UserTiny,
    receiver: UserTiny,
    completedDate: z.string().nullable(),
    retellCallId: z.string().nullable(),
    disconnectionReason: z.string().nullable(),
    pathToAudio: z.string().nullable(),
    summary: z.string().nullable(),
    context: z.record(z.string(), z.unknown()),
    createdDate: z.string().nullable(),
    toolCalls: z.array(ToolCallSummary),
    tags: z.array(TagSummary),
    invoiceId: z.string().nullable(),
    type: z.enum(["MANUAL", "AI"]),
    locationId: z.string().nullable(),
  })
  .openapi("CommsCall");
export type CommsCall = z.infer<typeof CommsCall>;

export const MESSAGE_STATUSES = [
  "CREATED",
  "QUEUED",
  "SCHEDULED",
  "SENDING",
  "SENT",
  "UNDELIVERED",
  "DELIVERED",
  "READ",
  "FAILED",
  "EXPIRED",
  "OPTED_OUT",
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const MESSAGE_TYPES = ["REMINDER", "OVERRIDE", "FOLLOW_UP", "EXPIRED", "CONFIRMATION", "INTRODUCTORY", "CANCELLED", "UPDATE"] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Longest text accepted: Twilio's limit for a message body. */
export const MAX_MESSAGE_CHARS = 1_600;

const optionalField = z
  .string()
  .nullish()
  .transform((v) => (v === "" ? null : (v ?? null)));

/** The multipart form of `POST /comms/chat/send-message`. File parts are read separately (any `files*` key). */
export const SendMessageForm = z
  .object({
    sender_id: z.string(),
    chat_id: z.string(),
    content: z.string().max(MAX_MESSAGE_CHARS).nullish().transform((v) => (v === "" ? null : (v ?? null))),
    message_uid: z.string().max(200).nullish().transform((v) => (v === "" ? null : (v ?? null))),
    quote_id: optionalField,
    files: z
      .unknown()
      .optional()
      .openapi({ type: "array", items: { type: "string", format: "binary" }, description: "One or more files (images or PDF)" }),
    event_id: optionalField,
    message_type: z
      .preprocess((v) => (v === "" ? undefined : v), z.enum(MESSAGE_TYPES).nullish())
      .transform((v) => v ?? null),
  })
  .loose()
  .openapi("SendMessageForm");
export type SendMessageForm = z.infer<typeof SendMessageForm>;

export const SuggestedMessageSummary = z
  .object({
    id: z.string(),
    chatId: z.string(),
    fromMessageId: z.string().nullable(),
    content: z.string(),
    assistantId: z.string().nullable(),
    isSelected: z.boolean(),
    createdDate: z.string(),
  })
  .openapi("SuggestedMessageSummary");

export const CommsMessage = z
  .object({
    id: z.string(),
    chatId: z.string(),
    status: z.enum(MESSAGE_STATUSES),
    sender: UserTiny,
    createdDate: z.string(),
    messageUid: z.string().nullable(),
    content: z.string().nullable(),
    errorMessage: z.string().nullable(),
    sendoMessageId: z.string().nullable().openapi({ description: "The messaging provider's id for the text (Twilio's MessageSid)" }),
    functionCall: z.record(z.string(), z.unknown()),
    files: z.array(z.string()).nullable().openapi({ description: "Signed, expiring links to the attachments" }),
    suggestedMessages: z.array(SuggestedMessageSummary).nullable(),
    toolCalls: z.array(ToolCallSummary).nullable(),
    eventId: z.string().nullable(),
    type: z.enum(MESSAGE_TYPES).nullable(),
  })
  .openapi("CommsMessage");
export type CommsMessage = z.infer<typeof CommsMessage>;

/** Errors on /comms, in FastAPI's shapes. */
export const CommsErrorDetail = z.object({ detail: z.string() }).openapi("CommsErrorDetail");

export const HTTPValidationError = z
  .object({
    detail: z.array(
      z.object({
        loc: z.array(z.union([z.string(), z.number()])),
        msg: z.string(),
        type: z.string(),
      }),
    ),
  })
  .openapi("HTTPValidationError");
