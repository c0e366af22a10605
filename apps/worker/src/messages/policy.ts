import { eq } from "drizzle-orm";
import { MESSAGE_TYPES, Purpose, REASON_CODES, tables, type MessageType, type PolicyDecision, type RefuseReason } from "@switchboard/schemas";
import { decideAndRecord, loadFactsForNumber } from "../contact-policy/attempt";
import { devWideWindow } from "../contact-policy/deployment";
import { refusalMessage } from "../contact-policy/decide";
import { loadTenantPolicy } from "../contact-policy/tenant";
import type { Env } from "../env";
import type { Db } from "../lib/db";
import type { MessageRow } from "./store";

/**
 * What a text is for when its sender does not say (`purpose`): its /comms message type's purpose.
 * Appointment texts (reminders, confirmations, changes) are appointment reminders; follow-ups are
 * post-discharge follow-ups; an introduction to a new patient is `other` (it needs consent).
 * Untyped texts are appointment reminders, as calls without a purpose are.
 */
export const MESSAGE_TYPE_PURPOSES: Readonly<Record<MessageType, Purpose>> = {
  REMINDER: "appointment_reminder",
  CONFIRMATION: "appointment_reminder",
  CANCELLED: "appointment_reminder",
  UPDATE: "appointment_reminder",
  EXPIRED: "appointment_reminder",
  OVERRIDE: "appointment_reminder",
  FOLLOW_UP: "post_discharge_follow_up",
  INTRODUCTORY: "other",
};

export function textPurpose(purpose: Purpose | null | undefined, type: MessageType | null | undefined): Purpose {
  if (purpose) return purpose;
  return type && (MESSAGE_TYPES as readonly string[]).includes(type) ? MESSAGE_TYPE_PURPOSES[type] : "appointment_reminder";
}

/**
 * The contact policy's authoritative decision right before a text is handed to its provider, the
 * contact recorded if it goes. A text retried after a provider failure is the same contact: it is
 * not counted twice (the counters know it by the message's id).
 */
export async function decideText(env: Env, db: Db, message: MessageRow, provider: "twilio" | "simulator", now = Date.now()): Promise<PolicyDecision> {
  const chat = await db.select({ patientId: tables.chats.patientId }).from(tables.chats).where(eq(tables.chats.id, message.chatId)).get();
  const [facts, tenant] = await Promise.all([
    chat ? loadFactsForNumber(db.$client, message.tenantId, chat.patientId, message.toNumber!) : null,
    loadTenantPolicy(db.$client, message.tenantId, env),
  ]);
  // The patient is gone (deleted): nobody to decide for, so nobody to text.
  if (!facts || !tenant) return { kind: "refuse", reason: "no_consent", reasons: ["no_consent"] };
  const purpose = Purpose.safeParse(message.purpose).data ?? textPurpose(null, message.type as MessageType | null);
  return decideAndRecord(
    db.$client,
    message.tenantId,
    { now, channel: "sms", body: message.content ?? "", purpose, provider, devWideWindow: devWideWindow(env) },
    facts,
    tenant,
    message.id,
  );
}

/** A refused text's status: opted out (of texts, or of contact) reads OPTED_OUT as before; anything else FAILED. */
export function refusedStatus(reason: RefuseReason): "OPTED_OUT" | "FAILED" {
  return reason === "opted_out" || reason === "number_on_dnc" ? "OPTED_OUT" : "FAILED";
}

/** The errorMessage of a text the policy refused or deferred: what happened, the rule, and its code. */
export function policyMessage(decision: Exclude<PolicyDecision, { kind: "allow" }>): string {
  if (decision.kind === "defer") {
    return `Deferred by the contact policy until ${new Date(decision.until).toISOString()} (${decision.reason}: ${REASON_CODES[decision.reason]}); it will be sent then`;
  }
  return refusalMessage(decision.reason, "text");
}
