import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { tenants } from "./schema";

/**
 * The tenant's do-not-contact list and consent record. A row is one opt-out; it is active until
 * `optedInAt` is set (e.g. the patient texted START). Rows are never deleted: together they are the
 * history of a number's consent.
 */
export const optOuts = sqliteTable(
  "opt_outs",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    /** E.164 */
    phoneNumber: text("phone_number").notNull(),
    patientId: text("patient_id"),
    /** How the opt-out arrived: `sms_keyword`, `api`, ... */
    source: text("source").notNull(),
    /** The word the patient texted, for SMS opt-outs (STOP, UNSUBSCRIBE, ...). */
    keyword: text("keyword"),
    optedOutAt: integer("opted_out_at").notNull(),
    optedInAt: integer("opted_in_at"),
    optInSource: text("opt_in_source"),
  },
  (t) => [
    // "is this number opted out?" before every call and text
    index("opt_outs_tenant_phone_idx").on(t.tenantId, t.phoneNumber, t.optedInAt),
    // one active opt-out per number: concurrent STOPs record one opt-out (and one event)
    uniqueIndex("opt_outs_active_idx").on(t.tenantId, t.phoneNumber).where(sql`${t.optedInAt} IS NULL`),
  ],
);

/**
 * The consent ledger: each grant of consent a patient gave for a number (basis, source, when,
 * evidence, and whether it covers calls, texts or both). Rows are never deleted; a grant entered by
 * mistake is withdrawn (`withdrawnAt`). Revocation is an opt-out (`opt_outs`), which overrides any grant.
 */
export const consentRecords = sqliteTable(
  "consent_records",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    patientId: text("patient_id").notNull(),
    /** E.164: consent is given for a number; a new number needs new consent. */
    phoneNumber: text("phone_number").notNull(),
    /** `prior_express_consent` or `prior_express_written_consent`. */
    basis: text("basis").notNull(),
    /** Where it was given (e.g. `intake_form`, `patient_portal`). */
    source: text("source").notNull(),
    /** Where the proof is kept: a form id, a document's URL, a recording. */
    evidence: text("evidence").notNull(),
    /** `["calls"]`, `["texts"]` or both. */
    scope: text("scope", { mode: "json" }).notNull().$type<("calls" | "texts")[]>(),
    givenAt: integer("given_at").notNull(),
    recordedAt: integer("recorded_at").notNull(),
    withdrawnAt: integer("withdrawn_at"),
  },
  (t) => [
    // the patient's grants for their current number, before every call and text
    index("consent_records_patient_idx").on(t.tenantId, t.patientId, t.phoneNumber),
  ],
);

/** The tenant's internal do-not-call list: numbers it must never call or text (47 CFR 64.1200(d)). */
export const doNotCall = sqliteTable(
  "do_not_call",
  {
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    /** E.164 */
    phoneNumber: text("phone_number").notNull(),
    /** Why it is listed, in the tenant's words (no PHI, please). */
    note: text("note"),
    /** `api` (added one by one) or `import`. */
    source: text("source").notNull(),
    addedAt: integer("added_at").notNull(),
  },
  // the primary key is the lookup before every call and text
  (t) => [primaryKey({ columns: [t.tenantId, t.phoneNumber] })],
);

/**
 * What the contact caps look at: one row per (tenant, patient) with the patient's recent contacts as
 * JSON (the policy engine's `recordContact` keeps it bounded), read once per attempt. `version`
 * makes recording a contact a compare-and-set, so two attempts at once cannot both see room under a cap.
 */
export const contactCounters = sqliteTable(
  "contact_counters",
  {
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    patientId: text("patient_id").notNull(),
    /** RecentContact[] (packages/schemas/src/policy/contacts.ts), oldest first. */
    recent: text("recent", { mode: "json" }).notNull().$type<{ at: number; channel: "call" | "sms"; purpose: string; subject?: string; ref?: string }[]>(),
    version: integer("version").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.patientId] })],
);
