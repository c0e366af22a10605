import type { MessageStatus, PolicyDecision, WebhookEventType } from "@switchboard/schemas";
import type { Env } from "../env";
import { d1Statement, type Db } from "../lib/db";
import { iso } from "../lib/time";
import { emitEvent, endpointsWoken, eventStatements, rowEventStatements, wakeAll, type EventToEmit } from "../customer-webhooks/emit";
import { errorSummary } from "../lib/log-safe";
import { advanceStatement, type StatusUpdate } from "./status";
import type { MessageRow } from "./store";

export type EventEnv = Pick<Env, "DB" | "WEBHOOKS">;

/**
 * Moves a message forward (see advanceMessageStatus) and, when it moved, tells the tenant's
 * webhooks, in one batch: the status change and its `message.status_changed` are written together
 * or not at all. Every accepted status change goes through here. Returns whether it moved.
 */
export async function changeMessageStatus(env: EventEnv, db: Db, tenantId: string, messageId: string, status: MessageStatus, update: StatusUpdate = {}): Promise<boolean> {
  const now = Date.now();
  const outbox = await rowEventStatements(
    db.$client,
    tenantId,
    { type: "message.status_changed", key: statusKey(messageId, status) },
    {
      // Ids and the status only, never the text or number; as the row stands after the update.
      json: `json_object('message_id', m.id, 'chat_id', m.chat_id, 'message_uid', m.message_uid, 'status', m.status, 'error_message', m.error_message, 'changed_at', ?4)`,
      // Only when this update moved it (statuses only move forward: each is announced once).
      from: "FROM messages m WHERE m.id = ?5 AND m.tenant_id = ?6 AND m.status = ?7 AND m.updated_at = ?8",
      binds: [iso(now), messageId, tenantId, status, now],
    },
    now,
  );
  const statements = [d1Statement(db.$client, advanceStatement(db, tenantId, messageId, status, update, now)), ...outbox.events, ...outbox.deliveries];
  const results = await db.$client.batch(statements);
  await wakeAll(env, endpointsWoken(results.slice(1 + outbox.events.length)));
  return (results[0]?.results.length ?? 0) > 0;
}

const statusKey = (messageId: string, status: MessageStatus) => `message:${messageId}:${status}`;

/**
 * `message.status_changed` for a message stored with its first status (kept back as OPTED_OUT), as
 * statements for the batch that inserts it: queued only if the message with this id was inserted.
 */
export function storedStatusEvents(
  d1: D1Database,
  tenantId: string,
  message: Pick<MessageRow, "id" | "chatId" | "status" | "messageUid" | "errorMessage" | "updatedAt">,
) {
  return messageEvents(d1, tenantId, message.id, {
    type: "message.status_changed",
    key: statusKey(message.id, message.status as MessageStatus),
    data: {
      message_id: message.id,
      chat_id: message.chatId,
      message_uid: message.messageUid,
      status: message.status,
      error_message: message.errorMessage,
      changed_at: iso(message.updatedAt),
    },
  });
}

/**
 * `message.received` for a patient's text, as statements for the batch that stores it: queued only
 * if the text was stored (a retried webhook stores and announces nothing twice). The text is what
 * the event is about, so it carries it.
 */
export function receivedEvents(d1: D1Database, tenantId: string, message: Pick<MessageRow, "id" | "chatId" | "content" | "files" | "createdAt">, patientId: string) {
  return messageEvents(d1, tenantId, message.id, {
    type: "message.received",
    key: `message:${message.id}:received`,
    data: {
      message_id: message.id,
      chat_id: message.chatId,
      patient_id: patientId,
      content: message.content,
      attachments: message.files?.length ?? 0,
      received_at: iso(message.createdAt),
    },
  });
}

function messageEvents(d1: D1Database, tenantId: string, messageId: string, event: EventToEmit) {
  return eventStatements(d1, tenantId, [event], Date.now(), { sql: "EXISTS (SELECT 1 FROM messages WHERE id = ?)", binds: [messageId] });
}

/** `message.deferred` / `message.refused`: the contact policy held a text back or refused it (ids, the rule, the time; never the text). */
export async function announceMessagePolicy(env: EventEnv, tenantId: string, message: Pick<MessageRow, "id" | "chatId" | "purpose">, decision: Exclude<PolicyDecision, { kind: "allow" }>) {
  const common = { message_id: message.id, chat_id: message.chatId, purpose: message.purpose ?? null, reason: decision.reason, reasons: decision.reasons };
  if (decision.kind === "defer") {
    await emitSafely(env, tenantId, "message.deferred", `message:${message.id}:deferred:${decision.until}`, { ...common, until: iso(decision.until) });
  } else {
    await emitSafely(env, tenantId, "message.refused", `message:${message.id}:refused`, common);
  }
}

async function emitSafely(env: EventEnv, tenantId: string, type: WebhookEventType, key: string, data: Record<string, unknown>) {
  try {
    await emitEvent(env, tenantId, type, data, { key });
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: `${type} emit failed`, tenantId, messageId: data.message_id, error: errorSummary(error) }));
  }
}
