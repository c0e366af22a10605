import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
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
