import { and, eq, gt, inArray, isNotNull, lte, sql } from "drizzle-orm";
import { tables, type MessageStatus, type PolicyDecision } from "@switchboard/schemas";
import { optOutAndAnnounce } from "../consent/opt-out-events";
import { forgetContact } from "../contact-policy/counters";
import { policyColumns } from "../contact-policy/decide";
import type { Env } from "../env";
import type { Db } from "../lib/db";
import { errorSummary } from "../lib/log-safe";
import type { MessagingProvider } from "../sms/transport";
import { getMessagingSettings, simulatorOptions, twilioConfig, type MessagingSettingsRow } from "../sms/settings";
import { createSmsSimulator } from "../sms/simulator";
import { createTwilioMessaging } from "../sms/twilio";
import { announceMessagePolicy, changeMessageStatus } from "./events";
import { decideText, policyMessage, refusedStatus } from "./policy";
import { FOR_PROVIDER, hasSigningKey, PROVIDER_FILE_LINK_TTL_SECONDS, signedFileUrl, signingKey } from "./file-links";
import { getMessage, type MessageRow } from "./store";

/** Hand-offs per text, the first (from the send request) included. */
export const SEND_MAX_ATTEMPTS = 5;
/**
 * How long a claimed hand-off is left alone: longer than Twilio's 10 s request timeout, so a live
 * sender always finishes first. It is also the grace before the sweep sends a text whose sender died.
 */
export const SEND_LEASE_MS = 60_000;
/** Wait after the n-th retryable failure (the cron sweeps every minute). */
const BACKOFF_MS = [60_000, 120_000, 300_000, 600_000];

export interface DeliverDeps {
  env: Env;
  db: Db;
  waitUntil: (promise: Promise<unknown>) => void;
}

export type AttemptOutcome = "skipped" | "accepted" | "retry" | "failed" | "opted_out" | "gave_up" | "deferred" | "refused";
type Trigger = "sync" | "sweep";

const { messages, messageSends, messageSendAttempts } = tables;

/**
 * The hand-off row for a message just stored, written in the same batch as the message: it exists
 * only when the message did and is CREATED, so no stored text is without one.
 */
export function messageSendInsert(db: Db, messageId: string, baseUrl: string, now: number) {
  return db.insert(messageSends).select(
    db
      .select({
        messageId: messages.id,
        tenantId: messages.tenantId,
        attempts: sql<number>`0`.as("attempts"),
        nextAttemptAt: sql<number>`${now + SEND_LEASE_MS}`.as("next_attempt_at"),
        baseUrl: sql<string>`${baseUrl}`.as("base_url"),
        createdAt: sql<number>`${now}`.as("created_at"),
        updatedAt: sql<number>`${now}`.as("updated_at"),
      })
      .from(messages)
      .where(and(eq(messages.id, messageId), eq(messages.statusRank, 0))),
  );
}

/**
 * Compare-and-set on the attempt counter: only the sender that read `attempts` as it still is wins,
 * and only while the message has not left CREATED. The request's own first attempt may go at once;
 * the sweep waits for `next_attempt_at`.
 */
async function claim(db: Db, messageId: string, expectedAttempts: number, now: number, due: boolean) {
  const rows = await db
    .update(messageSends)
    .set({ attempts: sql`${messageSends.attempts} + 1`, nextAttemptAt: now + SEND_LEASE_MS, updatedAt: now })
    .where(
      and(
        eq(messageSends.messageId, messageId),
        eq(messageSends.attempts, expectedAttempts),
        isNotNull(messageSends.nextAttemptAt),
        due ? lte(messageSends.nextAttemptAt, now) : undefined,
        inArray(messageSends.messageId, db.select({ id: messages.id }).from(messages).where(and(eq(messages.id, messageId), eq(messages.statusRank, 0)))),
      ),
    )
    .returning();
  return rows[0] ?? null;
}

async function settle(db: Db, messageId: string, attempt: number, trigger: Trigger, outcome: AttemptOutcome, detail: string | null, nextAttemptAt: number | null) {
  const now = Date.now();
  await db.batch([
    db.update(messageSends).set({ nextAttemptAt, updatedAt: now }).where(and(eq(messageSends.messageId, messageId), eq(messageSends.attempts, attempt))),
    db.insert(messageSendAttempts).values({ messageId, attempt, trigger, outcome, detail, at: now }).onConflictDoNothing(),
  ]);
  console.log(JSON.stringify({ msg: "message hand-off", messageId, attempt, trigger, outcome }));
}

/**
 * One claimed hand-off of a CREATED text to the tenant's provider. A retryable failure leaves the
 * text CREATED (statuses never move back) with the reason in its error message and schedules the
 * next attempt; the last one, or any other refusal, ends it FAILED.
 */
export async function attemptSend(deps: DeliverDeps, messageId: string, trigger: Trigger, expectedAttempts: number, now = Date.now()): Promise<AttemptOutcome> {
  const { env, db } = deps;
  const claimed = await claim(db, messageId, expectedAttempts, now, trigger === "sweep");
  if (!claimed) return "skipped";
  const { tenantId, attempts: attempt, baseUrl } = claimed;
  const message = await getMessage(db, tenantId, messageId);
  if (!message?.toNumber) {
    await settle(db, messageId, attempt, trigger, "failed", "message has no recipient", null);
    return "failed";
  }
  const fail = async (status: "FAILED" | "OPTED_OUT", errorMessage: string, outcome: AttemptOutcome, update: { policy?: ReturnType<typeof policyColumns> } = {}) => {
    await changeMessageStatus(env, db, tenantId, messageId, status, { errorMessage, ...update });
    await settle(db, messageId, attempt, trigger, outcome, errorMessage, null);
    return outcome;
  };
  const settings = await getMessagingSettings(db, tenantId);
  // The contact policy, decided now (the patient may have texted STOP, the hour may be late, a cap
  // may be used up): a refused or deferred text never reaches the provider.
  const decision = await decideText(env, db, message, settings?.provider === "twilio" ? "twilio" : "simulator", now);
  if (decision.kind === "refuse") {
    const outcome = await fail(refusedStatus(decision.reason), policyMessage(decision), "refused", { policy: policyColumns(decision) });
    await announceMessagePolicy(env, tenantId, message, decision);
    return outcome;
  }
  if (decision.kind === "defer") return defer(deps, message, attempt, decision);
  const report = async (next: MessageStatus, errorMessage?: string) => {
    await changeMessageStatus(env, db, tenantId, messageId, next, { errorMessage: errorMessage ?? null });
  };
  const provider = await providerFor(deps, tenantId, settings, report);
  if ("unavailable" in provider) return fail("FAILED", provider.unavailable, "failed");
  const files = message.files ?? [];
  if (files.length && !hasSigningKey(env)) return fail("FAILED", "Attachments are not available: this deployment has no FILES_SIGNING_KEY", "failed");
  const secret = files.length ? signingKey(env.FILES_SIGNING_KEY) : null;

  const result = await provider.send({
    messageId,
    to: message.toNumber,
    body: message.content,
    mediaUrls: secret
      ? await Promise.all(files.map((f) => signedFileUrl(baseUrl, secret, { tenantId, fileId: f.id, issuedTo: FOR_PROVIDER }, Date.now(), PROVIDER_FILE_LINK_TTL_SECONDS)))
      : [],
    statusCallbackUrl: `${baseUrl}/webhooks/twilio/${tenantId}/messages/${messageId}/status`,
  });
  if (result.accepted) {
    await changeMessageStatus(env, db, tenantId, messageId, result.status, { providerMessageId: result.providerMessageId, policy: policyColumns(decision) });
    await settle(db, messageId, attempt, trigger, "accepted", null, null);
    return "accepted";
  }
  if (result.retryable) {
    if (attempt >= SEND_MAX_ATTEMPTS) return fail("FAILED", `${result.errorMessage} (gave up after ${attempt} attempts)`, "gave_up");
    const next = Date.now() + BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)]!;
    await db
      .update(messages)
      .set({ errorMessage: `${result.errorMessage}; retrying (attempt ${attempt} of ${SEND_MAX_ATTEMPTS})`, updatedAt: Date.now() })
      .where(and(eq(messages.id, messageId), eq(messages.statusRank, 0)));
    await settle(db, messageId, attempt, trigger, "retry", result.errorMessage, next);
    return "retry";
  }
  const outcome = await fail(result.status, result.errorMessage, result.status === "OPTED_OUT" ? "opted_out" : "failed");
  const patientId = (await db.select({ patientId: tables.chats.patientId }).from(tables.chats).where(eq(tables.chats.id, message.chatId)).get())?.patientId ?? null;
  // The provider refused the text: it reached no one, so it does not count toward the patient's caps.
  if (patientId) await forgetContact(deps.db.$client, tenantId, patientId, messageId);
  if (result.status === "OPTED_OUT") {
    await optOutAndAnnounce(env, db, { tenantId, phoneNumber: message.toNumber, patientId, source: "provider_21610" });
  }
  return outcome;
}

/**
 * A text the contact policy defers stays CREATED (it reads SCHEDULED on the wire) with the reason
 * in its error message; the hand-off is given back (a deferral is not an attempt) and falls due at
 * the policy's time, when the cron's sweep hands it over, deciding again.
 */
async function defer(deps: DeliverDeps, message: MessageRow, attempt: number, decision: Extract<PolicyDecision, { kind: "defer" }>): Promise<AttemptOutcome> {
  const { env, db } = deps;
  const now = Date.now();
  await db.batch([
    db
      .update(messages)
      .set({ errorMessage: policyMessage(decision), ...policyColumns(decision), updatedAt: now })
      .where(and(eq(messages.id, message.id), eq(messages.statusRank, 0))),
    db
      .update(messageSends)
      .set({ attempts: attempt - 1, nextAttemptAt: decision.until, updatedAt: now })
      .where(and(eq(messageSends.messageId, message.id), eq(messageSends.attempts, attempt))),
  ]);
  console.log(JSON.stringify({ msg: "message hand-off", messageId: message.id, attempt, outcome: "deferred", reason: decision.reason }));
  const known = message.policyDecision === "defer" && message.policyReason === decision.reason && message.policyUntil === decision.until;
  if (!known) await announceMessagePolicy(env, message.tenantId, message, decision);
  return "deferred";
}

/** Texts the sweep looks at per run; the rest wait for the next minute. */
const SWEEP_LIMIT = 50;

/**
 * Hands over again every CREATED text that is due: never handed over (its sender died) or failed
 * with a retryable provider error. Texts that reached QUEUED or later are only let go of.
 */
export async function sweepMessageSends(deps: DeliverDeps, now: number) {
  const { db } = deps;
  const leftCreated = db.select({ id: messages.id }).from(messages).where(gt(messages.statusRank, 0));
  await db
    .update(messageSends)
    .set({ nextAttemptAt: null, updatedAt: now })
    .where(and(lte(messageSends.nextAttemptAt, now), inArray(messageSends.messageId, leftCreated)));
  const due = await db
    .select({ messageId: messageSends.messageId, tenantId: messageSends.tenantId, attempts: messageSends.attempts })
    .from(messageSends)
    .innerJoin(messages, eq(messages.id, messageSends.messageId))
    .where(and(lte(messageSends.nextAttemptAt, now), eq(messages.statusRank, 0)))
    .orderBy(messageSends.nextAttemptAt)
    .limit(SWEEP_LIMIT);
  const outcomes = await Promise.all(
    due.map(async (row) => {
      try {
        if (row.attempts >= SEND_MAX_ATTEMPTS) return await giveUp(deps, row, now);
        return await attemptSend(deps, row.messageId, "sweep", row.attempts, now);
      } catch (error) {
        console.error(JSON.stringify({ level: "error", msg: "message resend failed", messageId: row.messageId, error: errorSummary(error) }));
        return "skipped" as const;
      }
    }),
  );
  return { due: due.length, accepted: outcomes.filter((o) => o === "accepted").length, retrying: outcomes.filter((o) => o === "retry").length };
}

/** The last attempt's sender died before the provider answered: nothing more is tried. */
async function giveUp(deps: DeliverDeps, row: { messageId: string; tenantId: string; attempts: number }, now: number): Promise<AttemptOutcome> {
  const { env, db } = deps;
  const closed = await db
    .update(messageSends)
    .set({ nextAttemptAt: null, updatedAt: now })
    .where(and(eq(messageSends.messageId, row.messageId), eq(messageSends.attempts, row.attempts), lte(messageSends.nextAttemptAt, now)))
    .returning({ id: messageSends.messageId });
  if (!closed.length) return "skipped";
  const errorMessage = `The message could not be handed to the messaging provider after ${row.attempts} attempts`;
  await changeMessageStatus(env, db, row.tenantId, row.messageId, "FAILED", { errorMessage });
  await db.insert(messageSendAttempts).values({ messageId: row.messageId, attempt: row.attempts + 1, trigger: "sweep", outcome: "gave_up", detail: errorMessage, at: now }).onConflictDoNothing();
  return "gave_up";
}

async function providerFor(
  deps: DeliverDeps,
  tenantId: string,
  settings: MessagingSettingsRow | undefined,
  report: (s: MessageStatus, e?: string) => Promise<void>,
): Promise<MessagingProvider | { unavailable: string }> {
  if (settings?.provider !== "twilio") return createSmsSimulator(simulatorOptions(settings), report, deps.waitUntil);
  try {
    const config = await twilioConfig(settings, deps.env.SECRETS_KEY);
    return config ? createTwilioMessaging(config) : { unavailable: "Twilio is not configured for this tenant (PUT /api/v1/messaging/settings)" };
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "twilio credentials could not be opened", tenantId, error: errorSummary(error) }));
    return { unavailable: "The tenant's Twilio credentials could not be opened; set them again (PUT /api/v1/messaging/settings)" };
  }
}
