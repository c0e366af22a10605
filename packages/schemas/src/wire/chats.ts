import { z } from "@hono/zod-openapi";
import { ConsentLedgerEntry } from "./policy";
import { PageQuery, Pagination } from "./common";
import { CommsCall, CommsMessage, UserTiny } from "./comms";

// /api/v1 around the /comms surface: staff users, chats, messaging settings and consent.

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

export const ChatListQuery = PageQuery.extend({
  patient_id: z.string().min(1).max(100).optional().openapi({ description: "Only this patient's chat (a patient has at most one)" }),
});

export const ChatList = z.object({ data: z.array(Chat), pagination: Pagination }).openapi("ChatList");

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
    records: z.array(ConsentLedgerEntry).openapi({ description: "The consent ledger: each grant recorded for the patient, newest first" }),
    onDoNotCallList: z.boolean().openapi({ description: "The number is on the tenant's do-not-call list" }),
  })
  .openapi("PatientConsent");
