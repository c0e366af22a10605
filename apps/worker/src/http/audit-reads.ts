import type { Context } from "hono";
import { recordReads, type AuditAction } from "../audit/record";
import { scopeOf, type AppEnv } from "./context";

/**
 * Records that this request read patient data: the acting key, the objects (ids only) and the
 * request id, one row per object in one statement. Awaited before the response: if the record
 * cannot be written, the data is not served (the surface answers 500).
 */
export function auditRead(c: Context<AppEnv>, action: AuditAction, objectIds: readonly string[], detail?: Record<string, unknown>): Promise<void> {
  return recordReads(c.var.db.$client, scopeOf(c), action, objectIds, detail);
}
