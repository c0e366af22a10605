import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { tenants } from "./schema";

/** Clinic staff who send messages (the `/comms` platform's users of type PROVIDER or ASSISTANT). */
export const staffUsers = sqliteTable(
  "staff_users",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    /** `PROVIDER` or `ASSISTANT`. */
    type: text("type").notNull(),
    firstName: text("first_name").notNull(),
    lastName: text("last_name").notNull(),
    email: text("email"),
    /** E.164 */
    phoneNumber: text("phone_number"),
    locationId: text("location_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** Users are soft-deleted: messages they sent still name them. */
    deletedAt: integer("deleted_at"),
  },
  (t) => [index("staff_users_tenant_created_idx").on(t.tenantId, t.createdAt, t.id)],
);

/** The one conversation thread between a tenant and a patient; calls and messages both belong to it. */
export const chats = sqliteTable(
  "chats",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    patientId: text("patient_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    // one chat per patient: concurrent creates resolve to the same row
    uniqueIndex("chats_tenant_patient_idx").on(t.tenantId, t.patientId),
  ],
);

/** A file attached to a message, stored in R2 under `key`. */
export interface MessageFile {
  id: string;
  key: string;
  name: string;
  contentType: string;
  size: number;
}

/** Texts to and from patients. */
export const messages = sqliteTable(
  "messages",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    chatId: text("chat_id").notNull(),
    /** `OUTBOUND` (staff to patient) or `INBOUND` (the patient's texts). */
    direction: text("direction").notNull(),
    /** A staff user for outbound messages, the patient for inbound ones. */
    senderId: text("sender_id").notNull(),
    /** E.164 numbers of the text as sent or received. */
    toNumber: text("to_number"),
    fromNumber: text("from_number"),
    status: text("status").notNull(),
    /** Position of `status` in the delivery order: updates only ever raise it. */
    statusRank: integer("status_rank").notNull(),
    content: text("content"),
    messageUid: text("message_uid"),
    quoteId: text("quote_id"),
    eventId: text("event_id"),
    type: text("type"),
    files: text("files", { mode: "json" }).$type<MessageFile[]>(),
    errorMessage: text("error_message"),
    /** `simulator` or `twilio`. */
    provider: text("provider"),
    /** The messaging provider's id for the text (Twilio's MessageSid). */
    providerMessageId: text("provider_message_id"),
    /** Outbound texts: what the text is for (a contact-policy Purpose). */
    purpose: text("purpose"),
    /** The contact policy's last decision on the text (`allow`, `defer`, `refuse`), its reason code, and until when it waits. */
    policyDecision: text("policy_decision"),
    policyReason: text("policy_reason"),
    policyReasons: text("policy_reasons"),
    policyUntil: integer("policy_until"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // a chat's messages, newest first
    index("messages_chat_created_idx").on(t.chatId, t.createdAt, t.id),
    // message_uid makes a send idempotent per chat (NULLs never collide)
    uniqueIndex("messages_chat_uid_idx").on(t.chatId, t.messageUid),
    // Twilio retries inbound webhooks: one row per MessageSid
    uniqueIndex("messages_tenant_provider_id_idx").on(t.tenantId, t.providerMessageId),
    // a shared number's reply goes to the chat that texted it last
    index("messages_tenant_to_created_idx").on(t.tenantId, t.toNumber, t.createdAt),
    // the archiver's and the PHI purge's scans for a tenant's oldest messages
    index("messages_tenant_created_idx").on(t.tenantId, t.createdAt),
  ],
);

/** How a tenant's texts are delivered. No row means the simulator with its defaults. */
export const messagingSettings = sqliteTable("messaging_settings", {
  tenantId: text("tenant_id").primaryKey().references(() => tenants.id),
  /** `simulator` or `twilio`. */
  provider: text("provider").notNull(),
  twilioAccountSid: text("twilio_account_sid"),
  /** Sealed with SECRETS_KEY (lib/secret-box.ts); never returned by the API. */
  twilioAuthTokenSealed: text("twilio_auth_token_sealed"),
  twilioMessagingServiceSid: text("twilio_messaging_service_sid"),
  twilioFromNumber: text("twilio_from_number"),
  /** Simulator options as JSON: `{ outcome, stepMs }`. */
  simulator: text("simulator", { mode: "json" }).$type<Record<string, unknown>>(),
  updatedAt: integer("updated_at").notNull(),
});
