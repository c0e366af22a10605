import { and, eq } from "drizzle-orm";
import { tables, type Chat } from "@switchboard/schemas";
import { isOptedOut } from "../consent/opt-outs";
import type { Db } from "../lib/db";
import { iso } from "../lib/time";
import type { PatientRow } from "../patients/store";

export type ChatRow = typeof tables.chats.$inferSelect;
const { chats } = tables;

/** The patient's chat, created on first use. Concurrent callers get the same row (unique per patient). */
export async function chatForPatient(db: Db, tenantId: string, patientId: string): Promise<{ chat: ChatRow; created: boolean }> {
  const inserted = await db
    .insert(chats)
    .values({ id: crypto.randomUUID(), tenantId, patientId, createdAt: Date.now() })
    .onConflictDoNothing({ target: [chats.tenantId, chats.patientId] })
    .returning();
  if (inserted[0]) return { chat: inserted[0], created: true };
  const existing = await db.select().from(chats).where(and(eq(chats.tenantId, tenantId), eq(chats.patientId, patientId))).get();
  if (!existing) throw new Error("chat vanished between insert and read");
  return { chat: existing, created: false };
}

export async function getChat(db: Db, tenantId: string, chatId: string): Promise<ChatRow | undefined> {
  return db.select().from(chats).where(and(eq(chats.id, chatId), eq(chats.tenantId, tenantId))).get();
}

export async function chatToWire(db: Db, chat: ChatRow, patient: PatientRow | undefined): Promise<Chat> {
  const phoneNumber = patient?.phoneNumber ?? null;
  return {
    id: chat.id,
    patientId: chat.patientId,
    phoneNumber,
    optedOutOfSms: phoneNumber ? await isOptedOut(db, chat.tenantId, phoneNumber) : false,
    createdDate: iso(chat.createdAt),
  };
}
