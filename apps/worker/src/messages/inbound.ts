import { and, desc, eq, inArray } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import { chatForPatient } from "../chats/store";
import { keywordAction } from "../consent/keywords";
import { optOutAndAnnounce } from "../consent/opt-out-events";
import { optIn } from "../consent/opt-outs";
import type { Env } from "../env";
import { d1Statement, notIndexed, type Db } from "../lib/db";
import { toE164 } from "../lib/phone";
import type { AcceptedFile } from "../sms/media";
import { deleteFiles, storeFiles } from "./attachments";
import { receivedEvents } from "./events";
import { endpointsWoken, wakeAll } from "../customer-webhooks/emit";
import { MESSAGE_STATUS_RANK } from "./status";

export interface InboundText {
  tenantId: string;
  providerMessageId: string;
  from: string;
  to: string | null;
  body: string;
  /** Twilio's Advanced Opt-Out label, when the text was a keyword. */
  optOutType?: string | undefined;
  /** MMS media already fetched, and how many items could not be. */
  attachments: AcceptedFile[];
  skippedAttachments: number;
}

export interface InboundResult {
  messageId: string | null;
  action: "opt-out" | "opt-in" | null;
}

/**
 * Stores a patient's text in their chat (`message.received`) and applies opt-out keywords to the
 * tenant's consent record (`patient.opted_out`). Idempotent: a retried webhook (same MessageSid)
 * stores and announces nothing twice. A text from a number no patient has is not stored, but its
 * STOP or START still counts.
 */
export async function receiveText(env: Pick<Env, "DB" | "WEBHOOKS" | "FILES">, db: Db, text: InboundText): Promise<InboundResult> {
  const bucket = env.FILES;
  const from = toE164(text.from) ?? text.from;
  const patient = await patientForNumber(db, text.tenantId, from);
  const { action, keyword } = keywordAction(text.body, text.optOutType);
  if (action === "opt-out") {
    await optOutAndAnnounce(env, db, { tenantId: text.tenantId, phoneNumber: from, patientId: patient?.id ?? null, source: "sms_keyword", keyword });
  } else if (action === "opt-in") {
    await optIn(db, text.tenantId, from, `sms_keyword:${keyword}`);
  }
  if (!patient) return { messageId: null, action };

  const { chat } = await chatForPatient(db, text.tenantId, patient.id);
  const messageId = crypto.randomUUID();
  const files = await storeFiles(bucket, text.tenantId, messageId, text.attachments);
  const now = Date.now();
  const { messages } = tables;
  const content = text.body;
  // Stored and announced in one batch; the event is queued only if this text is the one stored.
  const outbox = await receivedEvents(db.$client, text.tenantId, { id: messageId, chatId: chat.id, content, files, createdAt: now }, patient.id);
  const insert = db
    .insert(messages)
    .values({
      id: messageId,
      tenantId: text.tenantId,
      chatId: chat.id,
      direction: "INBOUND",
      senderId: patient.id,
      toNumber: text.to,
      fromNumber: from,
      // The closest the published enum has to "received": it reached its recipient, us.
      status: "DELIVERED",
      statusRank: MESSAGE_STATUS_RANK.DELIVERED,
      content,
      messageUid: null,
      quoteId: null,
      eventId: null,
      type: null,
      files,
      errorMessage: text.skippedAttachments ? `${text.skippedAttachments} attachment(s) could not be kept (unsupported type, too large or unreachable)` : null,
      provider: "twilio",
      providerMessageId: text.providerMessageId,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: [messages.tenantId, messages.providerMessageId] })
    .returning({ id: messages.id });
  const results = await db.$client.batch([d1Statement(db.$client, insert), ...outbox.events, ...outbox.deliveries]);
  const stored = (results[0]?.results.length ?? 0) > 0;
  // A retried webhook: the first delivery's row (and its files) stand.
  if (!stored) await deleteFiles(bucket, files);
  else await wakeAll(env, endpointsWoken(results.slice(1 + outbox.events.length)));
  return { messageId: stored ? messageId : null, action };
}

/**
 * The patient a text from `phoneNumber` belongs to. Family members often share a number: the
 * patient whose chat last texted that number wins, else the most recently created one.
 */
async function patientForNumber(db: Db, tenantId: string, phoneNumber: string) {
  const { patients, chats, messages } = tables;
  const candidates = await db
    .select()
    .from(patients)
    .where(and(eq(patients.tenantId, tenantId), eq(patients.phoneNumber, phoneNumber)))
    .orderBy(desc(notIndexed(patients.createdAt)), desc(patients.id))
    .limit(20);
  if (candidates.length <= 1) return candidates[0] ?? null;
  const lastTexted = await db
    .select({ patientId: chats.patientId })
    .from(messages)
    .innerJoin(chats, eq(chats.id, messages.chatId))
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.direction, "OUTBOUND"),
        eq(messages.toNumber, phoneNumber),
        inArray(chats.patientId, candidates.map((p) => p.id)),
      ),
    )
    .orderBy(desc(messages.createdAt))
    .limit(1)
    .get();
  return candidates.find((p) => p.id === lastTexted?.patientId) ?? candidates[0]!;
}
