import { and, count, desc, eq } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import type { Db } from "../lib/db";
import { offsetOf } from "../lib/pagination";

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

/** A page of a chat's messages, newest first (ties broken by id). */
export async function listChatMessages(db: Db, chatId: string, page: { start: number; size: number }) {
  const where = eq(messages.chatId, chatId);
  const [rows, [totals]] = await Promise.all([
    db.select().from(messages).where(where).orderBy(desc(messages.createdAt), desc(messages.id)).limit(page.size).offset(offsetOf(page.start)),
    db.select({ total: count() }).from(messages).where(where),
  ]);
  return { rows, total: totals?.total ?? 0 };
}
