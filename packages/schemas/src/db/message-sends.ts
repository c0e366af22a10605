import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { messages } from "./comms";

/**
 * Hand-off of one outbound text to its messaging provider, so a send survives a worker that dies
 * before the provider call and a provider that is briefly down. A sender claims an attempt by
 * raising `attempts` from the value it read (compare-and-set), which also pushes `nextAttemptAt`
 * out by a lease: overlapping senders send once, and a sender that dies is retried when the lease
 * ends. `nextAttemptAt` is null once the text is handed over or given up.
 */
export const messageSends = sqliteTable(
  "message_sends",
  {
    messageId: text("message_id").primaryKey().references(() => messages.id),
    tenantId: text("tenant_id").notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at"),
    /** Public origin the request came in on: Twilio's status callback and attachment links are built on it. */
    baseUrl: text("base_url").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // the sweep: sends that are due
    index("message_sends_due_idx").on(t.nextAttemptAt),
  ],
);

/** Append-only record of each hand-off attempt: our own wording and the vendor's status/code, never the text or number. */
export const messageSendAttempts = sqliteTable(
  "message_send_attempts",
  {
    messageId: text("message_id").notNull(),
    attempt: integer("attempt").notNull(),
    /** `sync` (the send request) or `sweep` (the cron's resend). */
    trigger: text("trigger").notNull(),
    /** `accepted`, `retry` (retryable failure), `failed`, `opted_out` or `gave_up`. */
    outcome: text("outcome").notNull(),
    detail: text("detail"),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.attempt] })],
);
