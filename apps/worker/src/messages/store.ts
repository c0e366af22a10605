import { and, count, desc, eq } from "drizzle-orm";
import { tables, type CommsMessage, type MessageStatus, type MessageType } from "@switchboard/schemas";
import type { Db } from "../lib/db";
import { offsetOf } from "../lib/pagination";
import { iso } from "../lib/time";
import { getPatient } from "../patients/store";
import { patientAsUser, staffUserToWire, staffUsersByIds } from "../users/store";
import { signedFileUrl } from "./file-links";

export type MessageRow = typeof tables.messages.$inferSelect;
const { messages } = tables;

export async function getMessage(db: Db, tenantId: string, id: string): Promise<MessageRow | undefined> {
  return db.select().from(messages).where(and(eq(messages.id, id), eq(messages.tenantId, tenantId))).get();
}

export async function messageByUid(db: Db, chatId: string, messageUid: string): Promise<MessageRow | undefined> {
  return db.select().from(messages).where(and(eq(messages.chatId, chatId), eq(messages.messageUid, messageUid))).get();
}

export async function messageByProviderId(db: Db, tenantId: string, providerMessageId: string): Promise<MessageRow | undefined> {
  return db.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.providerMessageId, providerMessageId))).get();
}

export interface LinkSigner {
  baseUrl: string;
  secret: string;
}

/**
 * Messages as the /comms Message object. Senders are read once per page: staff users for outbound
 * messages, the chat's patient for inbound ones. Attachments become fresh signed links.
 */
export async function messagesToWire(db: Db, tenantId: string, rows: MessageRow[], signer: LinkSigner | null): Promise<CommsMessage[]> {
  const staffIds = rows.filter((r) => r.direction === "OUTBOUND").map((r) => r.senderId);
  const inboundPatientIds = [...new Set(rows.filter((r) => r.direction === "INBOUND").map((r) => r.senderId))];
  const [staff, patients] = await Promise.all([
    staffUsersByIds(db, tenantId, staffIds),
    Promise.all(inboundPatientIds.map(async (id) => [id, await getPatient(db, tenantId, id)] as const)),
  ]);
  const patientById = new Map(patients);
  return Promise.all(
    rows.map(async (row) => {
      const staffUser = row.direction === "OUTBOUND" ? staff.get(row.senderId) : undefined;
      const sender = staffUser ? staffUserToWire(staffUser) : patientAsUser(row.senderId, patientById.get(row.senderId), row.fromNumber);
      const files = row.files?.length && signer ? await Promise.all(row.files.map((f) => signedFileUrl(signer.baseUrl, signer.secret, f.id))) : [];
      return {
        id: row.id,
        chatId: row.chatId,
        status: row.status as MessageStatus,
        sender,
        createdDate: iso(row.createdAt),
        messageUid: row.messageUid,
        content: row.content,
        errorMessage: row.errorMessage,
        sendoMessageId: row.providerMessageId,
        functionCall: {},
        files,
        suggestedMessages: [],
        toolCalls: [],
        eventId: row.eventId,
        type: (row.type as MessageType | null) ?? null,
      };
    }),
  );
}

/** A page of a chat's messages, newest first (ties broken by id). */
export async function listChatMessages(db: Db, chatId: string, page: { start: number; size: number }) {
  const where = eq(messages.chatId, chatId);
  const [rows, [totals]] = await Promise.all([
    db.select().from(messages).where(where).orderBy(desc(messages.createdAt), desc(messages.id)).limit(page.size).offset(offsetOf(page.start)),
    db.select({ total: count() }).from(messages).where(where),
  ]);
  return { rows, total: totals?.total ?? 0 };
}
