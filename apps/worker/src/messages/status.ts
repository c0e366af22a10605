import { and, eq, lt, sql } from "drizzle-orm";
import { tables, type MessageStatus } from "@switchboard/schemas";
import type { PolicyColumns } from "../contact-policy/decide";
import type { Db } from "../lib/db";

/**
 * Where each status sits in a text's life. A status only ever replaces one of lower rank, so
 * callbacks that arrive late, twice or out of order never move a message backwards. The outcomes
 * of a send (DELIVERED, UNDELIVERED, FAILED, EXPIRED) share a rank: the first one reported stands.
 * SCHEDULED follows QUEUED: Twilio accepts a scheduled text (QUEUED) before it reports it scheduled,
 * and its "queued" at send time is followed at once by "sending".
 */
export const MESSAGE_STATUS_RANK: Readonly<Record<MessageStatus, number>> = {
  CREATED: 0,
  QUEUED: 1,
  SCHEDULED: 2,
  SENDING: 3,
  SENT: 4,
  DELIVERED: 5,
  UNDELIVERED: 5,
  FAILED: 5,
  EXPIRED: 5,
  READ: 6,
  OPTED_OUT: 7,
};

export interface StatusUpdate {
  errorMessage?: string | null;
  providerMessageId?: string | null;
  /** The contact policy's decision that led to this status. */
  policy?: PolicyColumns;
}

/**
 * Moves a message to `status` if that is forward of where it is, in one conditional UPDATE (so
 * concurrent callbacks cannot race each other backwards). Returns the moved message, or null when
 * it did not move. Callers announce the change: use changeMessageStatus (messages/events.ts).
 */
export async function advanceMessageStatus(db: Db, tenantId: string, messageId: string, status: MessageStatus, update: StatusUpdate = {}) {
  const rows = await advanceStatement(db, tenantId, messageId, status, update, Date.now());
  return rows[0] ?? null;
}

/** The conditional UPDATE of advanceMessageStatus, unrun: for a batch that also queues its announcement (messages/events.ts). */
export function advanceStatement(db: Db, tenantId: string, messageId: string, status: MessageStatus, update: StatusUpdate, now: number) {
  const { messages } = tables;
  const rank = MESSAGE_STATUS_RANK[status];
  return db
    .update(messages)
    .set({
      status,
      statusRank: rank,
      errorMessage: sql`coalesce(${update.errorMessage ?? null}, ${messages.errorMessage})`,
      providerMessageId: sql`coalesce(${messages.providerMessageId}, ${update.providerMessageId ?? null})`,
      ...(update.policy ?? {}),
      updatedAt: now,
    })
    .where(and(eq(messages.id, messageId), eq(messages.tenantId, tenantId), lt(messages.statusRank, rank)))
    .returning({
      id: messages.id,
      chatId: messages.chatId,
      status: messages.status,
      messageUid: messages.messageUid,
      errorMessage: messages.errorMessage,
      updatedAt: messages.updatedAt,
    });
}
