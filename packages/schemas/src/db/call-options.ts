import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "./schema";

/**
 * Per-call options that a vendor-compatible surface (Vocode's calls API) was asked for. One row at
 * most per call, written in the same atomic batch as the call itself; calls placed through other
 * surfaces have none and behave as the defaults say.
 */
export const callOptions = sqliteTable("call_options", {
  callId: text("call_id").primaryKey(),
  tenantId: text("tenant_id").notNull().references(() => tenants.id),
  /** The surface the call was placed through: `vocode`. */
  surface: text("surface").notNull(),
  /** No transcript, no free-text summary and no recording are stored for the call. */
  hipaaCompliant: integer("hipaa_compliant", { mode: "boolean" }).notNull().default(false),
  /** `continue` or `hangup`: what to do when the provider reports voicemail. */
  onNoHumanAnswer: text("on_no_human_answer").$type<"continue" | "hangup">().notNull().default("continue"),
  /** As requested; null when the request did not say. */
  runDoNotCallDetection: integer("run_do_not_call_detection", { mode: "boolean" }),
  /** Whether the number was on the tenant's do-not-call list when checked; null when not checked. */
  doNotCallResult: integer("do_not_call_result", { mode: "boolean" }),
  /** The caller id the client asked for (kept and echoed; numbers are the provider's business). */
  fromNumber: text("from_number"),
  telephonyParams: text("telephony_params", { mode: "json" }).$type<Record<string, string | null>>(),
  createdAt: integer("created_at").notNull(),
});
