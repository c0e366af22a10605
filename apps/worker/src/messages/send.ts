import { tables, type MessageStatus, type MessageType } from "@switchboard/schemas";
import { auditStatements, type AuditScope } from "../audit/record";
import { getChat } from "../chats/store";
import { DomainError } from "../errors";
import { isOptedOut } from "../consent/opt-outs";
import type { Env } from "../env";
import { d1Statement, type Db } from "../lib/db";
import { getMessagingSettings } from "../sms/settings";
import { getPatient } from "../patients/store";
import { getStaffUser } from "../users/store";
import { acceptFiles, deleteFiles, storeFiles } from "./attachments";
import { attemptSend, messageSendInsert } from "./deliver";
import { hasSigningKey } from "./file-links";
import { storedStatusEvents } from "./events";
import { endpointsWoken, wakeAll } from "../customer-webhooks/emit";
import { MESSAGE_STATUS_RANK } from "./status";
import { getMessage, messageByUid, type MessageRow } from "./store";

export interface SendContext {
  env: Env;
  db: Db;
  tenantId: string;
  /** Public origin for attachment links and Twilio's status callback. */
  baseUrl: string;
  waitUntil: (promise: Promise<unknown>) => void;
  /** Who is sending, for the `message.sent` record written with the message. */
  audit: AuditScope;
}

export interface SendInput {
  senderId: string;
  chatId: string;
  content: string | null;
  messageUid: string | null;
  quoteId: string | null;
  eventId: string | null;
  type: MessageType | null;
  files: File[];
}

export interface SentMessage {
  message: MessageRow;
  /** False when `messageUid` named a message sent before: nothing new happened. */
  created: boolean;
}

/**
 * Stores a staff member's message in the patient's chat and texts it to the patient. Idempotent
 * by `messageUid` within a chat: a repeat returns the first message and sends nothing. A patient
 * who opted out gets nothing; the message is kept as OPTED_OUT. Each status it takes after
 * CREATED is sent to the tenant's webhooks (`message.status_changed`). A new message is recorded
 * (`message.sent`) in the batch that stores it; a repeat records nothing.
 */
export async function sendMessage(ctx: SendContext, input: SendInput): Promise<SentMessage> {
  const { db, env, tenantId } = ctx;
  const chat = await getChat(db, tenantId, input.chatId);
  if (!chat) throw new DomainError("CHAT_NOT_FOUND", "Chat not found");
  const sender = await getStaffUser(db, tenantId, input.senderId);
  if (!sender) throw new DomainError("SENDER_NOT_FOUND", "Sender not found: sender_id must be a staff user of this tenant (POST /api/v1/users)");
  if (input.messageUid) {
    const first = await messageByUid(db, chat.id, input.messageUid);
    if (first) return { message: first, created: false };
  }
  if (!input.content && input.files.length === 0) {
    throw new DomainError("INVALID_INPUT", "a message needs content or files", { field: ["content"] });
  }
  if (input.quoteId) {
    const quoted = await getMessage(db, tenantId, input.quoteId);
    if (!quoted || quoted.chatId !== chat.id) throw new DomainError("QUOTED_MESSAGE_NOT_FOUND", "Quoted message not found in this chat");
  }
  const patient = await getPatient(db, tenantId, chat.patientId);
  if (!patient) throw new DomainError("PATIENT_NOT_FOUND", "The chat's patient no longer exists");
  if (!patient.phoneNumber) throw new DomainError("PATIENT_NO_PHONE", "The patient has no phone number: add one with PATCH /api/v1/patients/{patientId}");

  const accepted = await acceptFiles(input.files);
  if (accepted.length && !hasSigningKey(env)) throw new DomainError("ATTACHMENTS_UNAVAILABLE", "Attachments are not available: this deployment has no FILES_SIGNING_KEY");
  const messageId = crypto.randomUUID();
  const files = await storeFiles(env.FILES, tenantId, messageId, accepted);
  const optedOut = await isOptedOut(db, tenantId, patient.phoneNumber);
  const settings = await getMessagingSettings(db, tenantId);
  const status: MessageStatus = optedOut ? "OPTED_OUT" : "CREATED";
  const now = Date.now();
  const { messages } = tables;
  const row = {
    id: messageId,
    chatId: chat.id,
    status,
    messageUid: input.messageUid,
    errorMessage: optedOut ? "The patient has opted out of text messages (texted STOP); nothing was sent" : null,
    updatedAt: now,
  };
  // A message kept back (opted out) is announced in the batch that stores it; one sent is
  // announced as its provider moves it (changeMessageStatus).
  const outbox = optedOut ? await storedStatusEvents(env, tenantId, row) : { events: [], deliveries: [] };
  const audit = auditStatements(env.DB, ctx.audit, "message.sent", messageId, { chatId: chat.id, senderId: sender.id, status }, { onlyIfChanged: true });
  const results = await env.DB.batch([
    d1Statement(
      env.DB,
      db
        .insert(messages)
        .values({
        id: messageId,
        tenantId,
        chatId: chat.id,
        direction: "OUTBOUND",
        senderId: sender.id,
        toNumber: patient.phoneNumber,
        fromNumber: settings?.provider === "twilio" ? settings.twilioFromNumber : null,
        status,
        statusRank: MESSAGE_STATUS_RANK[status],
        content: input.content,
        messageUid: input.messageUid,
        quoteId: input.quoteId,
        eventId: input.eventId,
        type: input.type,
        files,
        errorMessage: optedOut ? "The patient has opted out of text messages (texted STOP); nothing was sent" : null,
        provider: settings?.provider ?? "simulator",
        providerMessageId: null,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing({ target: [messages.chatId, messages.messageUid] })
        .returning({ id: messages.id }),
    ),
    // Right after the insert: written only if the message was (a lost message_uid race records nothing).
    ...audit,
    d1Statement(env.DB, messageSendInsert(db, messageId, ctx.baseUrl, now)),
    ...outbox.events,
    ...outbox.deliveries,
  ]);
  const inserted = (results[0]?.results.length ?? 0) > 0;
  if (!inserted) {
    // Lost a race with the same message_uid: the winner's message stands and sends.
    await deleteFiles(env.FILES, files);
    const first = await messageByUid(db, chat.id, input.messageUid!);
    if (!first) throw new Error("message_uid conflict without a message");
    return { message: first, created: false };
  }
  if (optedOut) {
    await wakeAll(env, endpointsWoken(results.slice(2 + audit.length + outbox.events.length)));
    return { message: (await getMessage(db, tenantId, messageId))!, created: true };
  }

  await attemptSend(ctx, messageId, "sync", 0, now);
  return { message: (await getMessage(db, tenantId, messageId))!, created: true };
}
