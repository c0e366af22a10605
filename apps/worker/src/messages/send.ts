import { tables, type MessageType, type Purpose } from "@switchboard/schemas";
import { auditStatements, type AuditScope } from "../audit/record";
import { getChat } from "../chats/store";
import { DomainError } from "../errors";
import type { Env } from "../env";
import { d1Statement, type Db } from "../lib/db";
import { getMessagingSettings } from "../sms/settings";
import { getPatient } from "../patients/store";
import { getStaffUser } from "../users/store";
import { acceptFiles, deleteFiles, storeFiles } from "./attachments";
import { attemptSend, messageSendInsert } from "./deliver";
import { hasSigningKey } from "./file-links";
import { textPurpose } from "./policy";
import { MESSAGE_STATUS_RANK } from "./status";
import { getMessage, messageByUid, type MessageRow } from "./store";

export interface SendContext {
  env: Env;
  db: Db;
  tenantId: string;
  /** Public origin for attachment links and Twilio's status callback. */
  baseUrl: string;
  waitUntil: (promise: Promise<unknown>) => void;
  /** Who sends, for the audit trail. */
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
  /** What the text is for (the contact policy's purpose); from `type` when absent. */
  purpose?: Purpose | null;
  files: File[];
}

export interface SentMessage {
  message: MessageRow;
  /** False when `messageUid` named a message sent before: nothing new happened. */
  created: boolean;
}

/**
 * Stores a staff member's message in the patient's chat and texts it to the patient. Idempotent
 * by `messageUid` within a chat: a repeat returns the first message and sends nothing. The contact
 * policy decides before the text is handed over (deliver.ts): a patient who opted out, or a number
 * on the do-not-call list, gets nothing (kept as OPTED_OUT); other refusals are FAILED; a deferred
 * text waits (SCHEDULED) until its time. Each status it takes after CREATED is sent to the
 * tenant's webhooks (`message.status_changed`), and the policy's word as `message.deferred` or `message.refused`.
 * A new message is recorded (`message.sent`) in the batch that stores it; a repeat records nothing.
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
  const settings = await getMessagingSettings(db, tenantId);
  const now = Date.now();
  const { messages } = tables;
  const audit = auditStatements(db.$client, ctx.audit, "message.sent", messageId, { chatId: chat.id, senderId: sender.id, status: "CREATED" }, { onlyIfChanged: true });
  const results = await db.$client.batch([
    d1Statement(
      db.$client,
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
          status: "CREATED",
          statusRank: MESSAGE_STATUS_RANK.CREATED,
          content: input.content,
          messageUid: input.messageUid,
          quoteId: input.quoteId,
          eventId: input.eventId,
          type: input.type,
          files,
          errorMessage: null,
          purpose: textPurpose(input.purpose, input.type),
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
    d1Statement(db.$client, messageSendInsert(db, messageId, ctx.baseUrl, now)),
  ]);
  const inserted = (results[0]?.results.length ?? 0) > 0;
  if (!inserted) {
    // Lost a race with the same message_uid: the winner's message stands and sends.
    await deleteFiles(env.FILES, files);
    const first = await messageByUid(db, chat.id, input.messageUid!);
    if (!first) throw new Error("message_uid conflict without a message");
    return { message: first, created: false };
  }
  await attemptSend(ctx, messageId, "sync", 0, now);
  return { message: (await getMessage(db, tenantId, messageId))!, created: true };
}
