import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { CallOutcome, CallStatus } from "../lifecycle";

// Times are integer milliseconds since the epoch (UTC); JSON columns are text.

/** The patient as a call embeds it (`calls.patient`): the fields the Call object shows. PHI. */
export interface CallPatient {
  id: string;
  firstName: string;
  lastName: string;
  birthDate: string | null;
  email: string | null;
  phoneNumber: string | null;
}

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** Live calls a tenant may have at once; calls beyond it wait as `queued`. */
  concurrencyLimit: integer("concurrency_limit").notNull().default(10),
  /** IANA zone used for patients who have none. */
  timezone: text("timezone").notNull().default("America/New_York"),
  /** Local HH:MM from which patients may be called, narrowing the legal window; null: the legal window. */
  callingHoursStart: text("calling_hours_start"),
  /** Local HH:MM until which patients may be called (exclusive); set together with the start. */
  callingHoursEnd: text("calling_hours_end"),
  // Per-tenant limits set by the operator; null: the deployment's default (apps/worker/src/tenants/limits.ts).
  /** Requests per second, over every tenant surface together (the bucket's refill rate). */
  requestsPerSecond: integer("requests_per_second"),
  /** Requests that may arrive at once after a quiet spell (the bucket's size). */
  requestBurst: integer("request_burst"),
  /** Calls created per minute, counted per call (a 1,000-patient batch is 1,000). */
  callsPerMinute: integer("calls_per_minute"),
  /** Webhook endpoints the tenant may have (not deleted; disabled ones count). */
  maxWebhookEndpoints: integer("max_webhook_endpoints"),
  /** The tenant's tightening of the contact policy beyond its hours: `{ caps?, allowedPurposes? }` (TenantContactPolicy). */
  contactPolicy: text("contact_policy", { mode: "json" }).$type<{ caps?: Record<string, number>; allowedPurposes?: string[] }>(),
  /** Days ended calls, their history, messages, deliveries and audit rows stay in D1 before moving to R2. */
  hotWindowDays: integer("hot_window_days").notNull().default(90),
  /** Days after which transcripts, reports and message bodies are purged (D1 and R2); null: kept as long as the rest. */
  phiRetentionDays: integer("phi_retention_days"),
  /**
   * How many calls the tenant has: list pages answer their total from it instead of counting every
   * call on every page. The create request raises it in the batch that inserts the calls; a trigger
   * (migration `capacity`) lowers it for every call row deleted.
   */
  callsCount: integer("calls_count").notNull().default(0),
  createdAt: integer("created_at").notNull(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    /** SHA-256 (hex) of the key; the key itself is shown once and never stored. */
    keyHash: text("key_hash").notNull(),
    /** First characters of the key, so an operator can tell keys apart. */
    prefix: text("prefix").notNull(),
    name: text("name"),
    /** The one surface this key works on (`voipbin`: /v1.0 only, e.g. as `?accesskey=`); null: every tenant surface. */
    surface: text("surface"),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [
    // every authenticated request looks a key up by its hash
    uniqueIndex("api_keys_key_hash_idx").on(t.keyHash),
    index("api_keys_tenant_idx").on(t.tenantId),
  ],
);

export const patients = sqliteTable(
  "patients",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    firstName: text("first_name").notNull(),
    lastName: text("last_name").notNull(),
    /** E.164 */
    phoneNumber: text("phone_number"),
    /** YYYY-MM-DD */
    birthDate: text("birth_date"),
    email: text("email"),
    /** IANA zone */
    timezone: text("timezone"),
    /** USPS code of the state the patient lives in, for state calling rules; null: the strictest rule applies. */
    state: text("state"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // newest-first pagination per tenant
    index("patients_tenant_created_idx").on(t.tenantId, t.createdAt, t.id),
    // walk-in lookups by number (Vocode surface, inbound texts)
    index("patients_tenant_phone_idx").on(t.tenantId, t.phoneNumber),
  ],
);

export const agents = sqliteTable(
  "agents",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    name: text("name").notNull(),
    provider: text("provider").notNull(),
    /** AgentSettings as JSON: prompt, greeting, voice, max duration, simulator options. */
    settings: text("settings", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("agents_tenant_created_idx").on(t.tenantId, t.createdAt, t.id)],
);

/** A campaign is the batch that one `POST /api/v1/calls` creates. */
export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    agentId: text("agent_id").notNull(),
    name: text("name"),
    description: text("description"),
    reason: text("reason"),
    recording: integer("recording", { mode: "boolean" }).notNull().default(true),
    /** When its calls may be released; null for calls placed at once. */
    scheduledAt: integer("scheduled_at"),
    /**
     * `scheduled` (waiting for scheduledAt), `releasing` (being handed to the tenant's dispatcher),
     * `released`, or `canceled`.
     */
    status: text("status").notNull(),
    /**
     * Set when the campaign is canceled, cleared once its dispatcher has dropped its waiting calls
     * and ended the queued ones: until then the cron finishes the cancel (campaigns/cancel.ts).
     */
    cancelPendingSince: integer("cancel_pending_since"),
    /** Set while the campaign is paused: none of its calls is dialed until it is resumed. */
    pausedAt: integer("paused_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("campaigns_tenant_created_idx").on(t.tenantId, t.createdAt, t.id),
    // the cron's "what is due" scan
    index("campaigns_status_scheduled_idx").on(t.status, t.scheduledAt),
    // the cron's scan for cancels left half done; partial, so only those rows are indexed
    index("campaigns_cancel_pending_idx").on(t.cancelPendingSince).where(sql`${t.cancelPendingSince} IS NOT NULL`),
  ],
);

export const calls = sqliteTable(
  "calls",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    campaignId: text("campaign_id"),
    agentId: text("agent_id").notNull(),
    patientId: text("patient_id"),
    /**
     * The patient's current details as the Call object embeds them (PHI), so a call is read without
     * its patient row: written by the create request, kept current by triggers on `patients`
     * (rewritten when those fields change, NULL once the patient is deleted or erased).
     */
    patient: text("patient", { mode: "json" }).$type<CallPatient>(),
    /** E.164, copied from the patient when the call was created. */
    phoneNumber: text("phone_number").notNull(),
    status: text("status").notNull().$type<CallStatus>(),
    outcome: text("outcome").$type<CallOutcome>(),
    provider: text("provider").notNull(),
    providerCallId: text("provider_call_id"),
    reason: text("reason"),
    /** What the call is for (a contact-policy Purpose): the batch's, else its agent's. */
    purpose: text("purpose"),
    /** What it is about, for the states' same-subject caps; null: the purpose. */
    subject: text("subject"),
    /** The contact policy's last decision on the call: `allow`, `defer` or `refuse`; null before any. */
    policyDecision: text("policy_decision"),
    /** Its reason code (a PolicyReasonCode); null when allowed. */
    policyReason: text("policy_reason"),
    /** Every rule that refused or deferred, comma-separated in precedence order. */
    policyReasons: text("policy_reasons"),
    /** Deferred: when it may be dialed. */
    policyUntil: integer("policy_until"),
    recording: integer("recording", { mode: "boolean" }).notNull().default(true),
    /** The patient's `extended` object from the create request. */
    clientMetadata: text("client_metadata", { mode: "json" }).$type<Record<string, unknown>>(),
    finalReport: text("final_report", { mode: "json" }).$type<Record<string, unknown>>(),
    transcript: text("transcript", { mode: "json" }).$type<unknown[]>(),
    /** The vendor's recording of the call, when it keeps one. */
    recordingUrl: text("recording_url"),
    scheduledAt: integer("scheduled_at"),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    /** When someone first picked up (the call reached `in-progress`); surfaces tell answered calls apart by it. */
    answeredAt: integer("answered_at"),
    endedAt: integer("ended_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // newest-first pagination per tenant, ties broken by id
    index("calls_tenant_created_idx").on(t.tenantId, t.createdAt, t.id),
    index("calls_campaign_created_idx").on(t.campaignId, t.createdAt, t.id),
    // ended_after filter
    index("calls_tenant_ended_idx").on(t.tenantId, t.endedAt),
    // "agent has live calls" check and the watchdog
    index("calls_agent_status_idx").on(t.agentId, t.status),
    // webhooks that name only the vendor's call id
    index("calls_provider_call_idx").on(t.providerCallId),
    // the reconciler's scan for live calls that went quiet
    index("calls_status_updated_idx").on(t.status, t.updatedAt),
    // a patient's contact history (GET /api/v1/patients/{id}/contacts), newest first
    index("calls_patient_created_idx").on(t.patientId, t.createdAt),
    // provider health: answered calls of a period (partial: unanswered calls cost no index entry)
    index("calls_tenant_answered_idx").on(t.tenantId, t.answeredAt).where(sql`answered_at IS NOT NULL`),
  ],
);

/** Append-only history of each call: every accepted transition and provider attempt. */
export const callEvents = sqliteTable(
  "call_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    callId: text("call_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    /** Per-call sequence number given by the call's Durable Object; makes write-through retries idempotent. */
    seq: integer("seq").notNull(),
    type: text("type").notNull(),
    fromStatus: text("from_status"),
    toStatus: text("to_status"),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
    at: integer("at").notNull(),
  },
  (t) => [
    uniqueIndex("call_events_call_seq_idx").on(t.callId, t.seq),
    // provider health: a tenant's placement events of a period (partial: other events cost no index entry)
    index("call_events_tenant_provider_idx")
      .on(t.tenantId, t.at)
      .where(sql`type IN ('provider.attempt', 'provider.placed', 'provider.refused', 'provider.failover')`),
  ],
);

