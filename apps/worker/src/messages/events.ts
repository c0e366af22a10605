import type { MessageStatus, PolicyDecision, WebhookEventType } from "@switchboard/schemas";
import type { Env } from "../env";
import type { Db } from "../lib/db";
import { iso } from "../lib/time";
import { emitEvent } from "../customer-webhooks/emit";
import { advanceMessageStatus, type StatusUpdate } from "./status";
import type { MessageRow } from "./store";
import { errorSummary } from "../lib/log-safe";

export type EventEnv = Pick<Env, "DB" | "WEBHOOKS">;

/**
 * Moves a message forward (see advanceMessageStatus) and, when it moved, tells the tenant's
 * webhooks. Every accepted status change goes through here. Returns whether it moved.
 */
export async function changeMessageStatus(env: EventEnv, db: Db, tenantId: string, messageId: string, status: MessageStatus, update: StatusUpdate = {}): Promise<boolean> {
  const moved = await advanceMessageStatus(db, tenantId, messageId, status, update);
  if (moved) await announceMessageStatus(env, tenantId, moved);
  return moved !== null;
}

/**
 * `message.status_changed`, keyed by message and status: statuses only move forward, so each is
 * announced once however often it is reported. Ids and the status only, never the text or number.
 * The status change has happened whatever becomes of the event, so a failure is logged, not thrown.
 */
export async function announceMessageStatus(
  env: EventEnv,
  tenantId: string,
  message: Pick<MessageRow, "id" | "chatId" | "status" | "messageUid" | "errorMessage" | "updatedAt">,
) {
  await emitSafely(env, tenantId, "message.status_changed", `message:${message.id}:${message.status}`, {
    message_id: message.id,
    chat_id: message.chatId,
    message_uid: message.messageUid,
    status: message.status,
    error_message: message.errorMessage,
    changed_at: iso(message.updatedAt),
  });
}

/** `message.received` for a patient's text just stored in their chat. The text is what the event is about, so it carries it. */
export async function announceMessageReceived(env: EventEnv, tenantId: string, message: MessageRow, patientId: string) {
  await emitSafely(env, tenantId, "message.received", `message:${message.id}:received`, {
    message_id: message.id,
    chat_id: message.chatId,
    patient_id: patientId,
    content: message.content,
    attachments: message.files?.length ?? 0,
    received_at: iso(message.createdAt),
  });
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
