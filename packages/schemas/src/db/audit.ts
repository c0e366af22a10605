import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Who did what, append-only (triggers refuse UPDATE and DELETE). Ids and action names only, never
 * PHI: `detail` holds things like changed field names, not their values.
 */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    /**
     * A plain INTEGER PRIMARY KEY (no AUTOINCREMENT, whose `sqlite_sequence` bookkeeping costs every
     * insert rows read and written): SQLite takes max(id) + 1, and the delete trigger never lets the
     * table's newest row go, so an id is never given twice.
     */
    id: integer("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    /** `api_key`, `admin` (the operator token) or `system` (e.g. a failing endpoint disabled). */
    actorType: text("actor_type").notNull(),
    /** The API key id for `api_key`; null otherwise. */
    actorId: text("actor_id"),
    action: text("action").notNull(),
    objectType: text("object_type").notNull(),
    objectId: text("object_id").notNull(),
    requestId: text("request_id"),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
    at: integer("at").notNull(),
  },
  (t) => [
    // newest-first listing per tenant
    index("audit_events_tenant_idx").on(t.tenantId, t.id),
    // "what happened to this object"
    index("audit_events_tenant_object_idx").on(t.tenantId, t.objectId, t.id),
    index("audit_events_tenant_action_idx").on(t.tenantId, t.action, t.id),
  ],
);
