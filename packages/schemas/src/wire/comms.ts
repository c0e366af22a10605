import { z } from "@hono/zod-openapi";
import { ASSISTANT_TYPES } from "./agent";
import { Pagination } from "./common";

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

// --- /api/v1: staff users, chats, messaging settings, consent ----------------------------------

export const STAFF_USER_TYPES = ["PROVIDER", "ASSISTANT"] as const;

const personName = (field: string) => z.string().trim().min(1, `${field} is required`).max(200, `${field} is too long`);

export const UserCreate = z
  .object({
    firstName: personName("firstName"),
    lastName: personName("lastName"),
    email: z.email("email must be a valid email address").nullish(),
    phoneNumber: z.string().max(40).nullish().openapi({ example: "+15555551234", description: "Any common format; stored as E.164" }),
    type: z.enum(STAFF_USER_TYPES).default("PROVIDER"),
    locationId: z.string().max(200).nullish(),
  })
  .openapi("UserCreate");
export type UserCreate = z.infer<typeof UserCreate>;

export const UserUpdate = z
  .object({
    firstName: personName("firstName").optional(),
    lastName: personName("lastName").optional(),
    email: z.email("email must be a valid email address").nullish(),
    phoneNumber: z.string().max(40).nullish(),
    type: z.enum(STAFF_USER_TYPES).optional(),
    locationId: z.string().max(200).nullish(),
  })
  .openapi("UserUpdate");
export type UserUpdate = z.infer<typeof UserUpdate>;

export const UserList = z.object({ data: z.array(UserTiny), pagination: Pagination }).openapi("UserList");

export const ChatCreate = z.object({ patientId: z.string().min(1, "patientId is required") }).openapi("ChatCreate");

export const Chat = z
  .object({
    id: z.string(),
    patientId: z.string(),
    phoneNumber: z.string().nullable(),
    optedOutOfSms: z.boolean(),
    createdDate: z.string(),
  })
  .openapi("Chat");
export type Chat = z.infer<typeof Chat>;

export const MessageList = z.object({ data: z.array(CommsMessage), pagination: Pagination }).openapi("MessageList");
export const CommsCallList = z.object({ data: z.array(CommsCall), pagination: Pagination }).openapi("CommsCallList");

export const SMS_SIMULATED_OUTCOMES = ["delivered", "undelivered", "failed"] as const;

export const SmsSimulatorSettings = z
  .object({
    outcome: z.enum(SMS_SIMULATED_OUTCOMES).default("delivered"),
    /** Time between simulated status callbacks. */
    stepMs: z.number().int().min(0).max(10_000).default(1_000),
  })
  .openapi("SmsSimulatorSettings");

export const MessagingSettingsUpdate = z
  .object({
    provider: z.enum(["simulator", "twilio"]),
    twilio: z
      .object({
        accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "accountSid must be a Twilio Account SID (AC followed by 32 hex digits)"),
        authToken: z.string().min(16).max(128).optional().openapi({ description: "Stored sealed, never returned. May be left out to keep the stored token of the same account." }),
        messagingServiceSid: z
          .string()
          .regex(/^MG[0-9a-fA-F]{32}$/, "messagingServiceSid must be a Twilio Messaging Service SID (MG followed by 32 hex digits)")
          .nullish(),
        fromNumber: z.string().max(40).nullish(),
      })
      .optional(),
    simulator: SmsSimulatorSettings.optional(),
  })
  .openapi("MessagingSettingsUpdate");
export type MessagingSettingsUpdate = z.infer<typeof MessagingSettingsUpdate>;

export const MessagingSettings = z
  .object({
    provider: z.enum(["simulator", "twilio"]),
    twilio: z
      .object({
        accountSid: z.string(),
        authTokenSet: z.boolean(),
        messagingServiceSid: z.string().nullable(),
        fromNumber: z.string().nullable(),
      })
      .nullable(),
    simulator: SmsSimulatorSettings,
    webhooks: z.object({
      inbound: z.string().openapi({ description: "Set as the messaging webhook of the Twilio number or Messaging Service" }),
    }),
    updatedAt: z.string().nullable(),
  })
  .openapi("MessagingSettings");

export const ConsentEvent = z
  .object({
    phoneNumber: z.string(),
    optedOutAt: z.string(),
    source: z.string(),
    keyword: z.string().nullable(),
    optedInAt: z.string().nullable(),
    optInSource: z.string().nullable(),
  })
  .openapi("ConsentEvent");

export const PatientConsent = z
  .object({
    patientId: z.string(),
    phoneNumber: z.string().nullable(),
    optedOut: z.boolean(),
    history: z.array(ConsentEvent),
  })
  .openapi("PatientConsent");

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
