import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { tenants } from "./schema";

/**
 * A customer's webhook endpoint. Signing secrets are sealed (lib/secret-box.ts); during a rotation
 * the previous secret keeps signing until `previousSecretExpiresAt`. Deleting only marks the row,
 * so its delivery history stays readable for audits.
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    url: text("url").notNull(),
    description: text("description"),
    /** Event types subscribed to, as a JSON array; null means every type. */
    events: text("events", { mode: "json" }).$type<string[]>(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** `manual` (PATCH), `gone` (the endpoint answered 410) or `failing` (failing for days). */
    disabledReason: text("disabled_reason"),
    disabledAt: integer("disabled_at"),
    /** First failed attempt since the last success; drives automatic disabling. */
    failingSince: integer("failing_since"),
    secretSealed: text("secret_sealed").notNull(),
    previousSecretSealed: text("previous_secret_sealed"),
    previousSecretExpiresAt: integer("previous_secret_expires_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
  },
  (t) => [
    // fan-out on every emitted event: the tenant's live endpoints
    index("webhook_endpoints_tenant_idx").on(t.tenantId, t.enabled, t.deletedAt),
  ],
);

/**
 * One event, as sent: `payload` is the exact JSON body, so every retry signs the same bytes.
 * The id is the `webhook-id` header; emitting with a dedupe key makes it deterministic.
 */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    type: text("type").notNull(),
    payload: text("payload").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    // the archiver's scan for a tenant's oldest events
    index("webhook_events_tenant_created_idx").on(t.tenantId, t.createdAt),
  ],
);

/** One event to one endpoint: its retry state. Kept after it succeeds or fails for good. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    /** `pending`, `succeeded` or `failed`. */
    status: text("status").notNull(),
    /** Attempts made in all. */
    attempts: integer("attempts").notNull().default(0),
    /** Position in the retry schedule; a replay starts it over. */
    retryStep: integer("retry_step").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at"),
    lastAttemptAt: integer("last_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // emitting twice (effects replay) never queues a second delivery
    uniqueIndex("webhook_deliveries_endpoint_event_idx").on(t.endpointId, t.eventId),
    // the sender's "what is due" scan; pending deliveries only, so a settled one keeps no entry
    // (queries must say `status = 'pending'` as a literal for SQLite to use a partial index)
    index("webhook_deliveries_due_idx").on(t.endpointId, t.status, t.nextAttemptAt).where(sql`status = 'pending'`),
    // newest-first listing per endpoint
    index("webhook_deliveries_endpoint_created_idx").on(t.endpointId, t.createdAt, t.id),
    // the cron's sweep for overdue deliveries whose sender was never woken (pending only, as above)
    index("webhook_deliveries_status_due_idx").on(t.status, t.nextAttemptAt).where(sql`status = 'pending'`),
  ],
);

/** Every attempt, for the delivery log (never the response body: it is the customer's data). */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    deliveryId: text("delivery_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    attempt: integer("attempt").notNull(),
    at: integer("at").notNull(),
    statusCode: integer("status_code"),
    durationMs: integer("duration_ms").notNull(),
    error: text("error"),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId, t.attempt)],
);
