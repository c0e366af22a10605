import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/*
 * Data lifecycle: what has left D1 for R2 (gzipped NDJSON, one object per tenant per UTC day), the
 * small index rows kept behind so archived data can still be found, and pending erasures.
 */

/** One archive object: `archive/<tenant>/<day>.ndjson.gz`. Written (and read back) before any row it holds leaves D1. */
export const archiveDays = sqliteTable(
  "archive_days",
  {
    tenantId: text("tenant_id").notNull(),
    /** UTC day, YYYY-MM-DD. */
    day: text("day").notNull(),
    key: text("key").notNull(),
    /** Records the object holds. */
    records: integer("records").notNull(),
    /**
     * Highest audit_events id of this tenant and day that is in the object: the audit trail's
     * delete trigger lets a row go only when this covers it (the trail is archived, never edited).
     */
    auditThroughId: integer("audit_through_id"),
    /** When transcripts, reports and message bodies were stripped from the object (PHI retention). */
    phiPurgedAt: integer("phi_purged_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day] })],
);

/** The row an archived call leaves behind: `GET /api/v1/calls/{id}` finds the day object by it. */
export const archivedCalls = sqliteTable(
  "archived_calls",
  {
    tenantId: text("tenant_id").notNull(),
    callId: text("call_id").notNull(),
    day: text("day").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.callId] })],
);

/** Days whose archive object holds a patient's calls or messages: erasing the patient rewrites exactly these. */
export const archivePatientDays = sqliteTable(
  "archive_patient_days",
  {
    tenantId: text("tenant_id").notNull(),
    patientId: text("patient_id").notNull(),
    day: text("day").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.patientId, t.day] })],
);

/** A deleted patient whose PHI still has to be cut out of archive objects (the cron does it, day by day). */
export const patientErasures = sqliteTable("patient_erasures", {
  tenantId: text("tenant_id").notNull(),
  patientId: text("patient_id").notNull().primaryKey(),
  /** The patient's chat, if any: archived messages name the chat, not the patient. */
  chatId: text("chat_id"),
  requestedAt: integer("requested_at").notNull(),
});

/**
 * Per-tenant archiver state. The lease: one archiver per tenant at a time (a day object is read,
 * merged and written back, so two overlapping cron runs must not both write it), taken by
 * compare-and-set and given up by expiry.
 */
export const lifecycleState = sqliteTable("lifecycle_state", {
  tenantId: text("tenant_id").primaryKey(),
  leaseHolder: text("lease_holder"),
  leaseExpiresAt: integer("lease_expires_at").notNull().default(0),
  /** Calls and messages before this time (ms) have had their PHI purged: the purge scan starts here. */
  phiPurgedThrough: integer("phi_purged_through").notNull().default(0),
});

/**
 * The shard directory (lives on shard 0, the `DB` binding): which D1 database holds a tenant's
 * data. No row means shard 0. `writesHeldAt` is set while the tenant is being moved.
 */
export const tenantShards = sqliteTable(
  "tenant_shards",
  {
    tenantId: text("tenant_id").primaryKey(),
    shard: integer("shard").notNull(),
    writesHeldAt: integer("writes_held_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // the cron walks each shard's tenants
    index("tenant_shards_shard_idx").on(t.shard),
  ],
);
