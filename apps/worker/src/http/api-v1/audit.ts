import { createRoute } from "@hono/zod-openapi";
import { and, count, desc, eq, gte, inArray, lt, notInArray } from "drizzle-orm";
import { AuditEventList, AuditQuery, PageQuery, tables } from "@switchboard/schemas";
import { READ_ACTIONS } from "../../audit/record";
import { offsetOf, pagination } from "../../lib/pagination";
import { iso } from "../../lib/time";
import type { App } from "../context";
import { apiKeySecurity as security, errorResponses, jsonResponse } from "../openapi/helpers";

type AuditRow = typeof tables.auditEvents.$inferSelect;

function toWire(row: AuditRow) {
  return {
    id: row.id,
    action: row.action,
    object_type: row.objectType,
    object_id: row.objectId,
    actor: { type: row.actorType as "api_key" | "admin" | "system" | "signed_link", api_key_id: row.actorId },
    request_id: row.requestId,
    detail: row.detail ?? null,
    at: iso(row.at),
  };
}

export function registerAuditRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/audit-events", operationId: "listAuditEvents", tags: ["Audit"], security,
      summary: "The tenant's audit trail, newest first: who did what, when (ids only, never PHI)",
      description:
        "Changes (`patient.created`, `call.hung_up`, …) are written in the same database batch as the change itself. Reads of patient data are recorded too " +
        "(`patient.read`, `consent.read`, `chat.read`, `message.read`, `file.read`, `call.read`, `webhook_delivery.read`, `provider_webhook.read`): one entry per object read, " +
        "by `api_key`, or by `signed_link` for an attachment link (`api_key_id`: the key it was given to; null: the messaging provider). `kind=read` lists only those, `kind=change` the rest.",
      request: { query: PageQuery.extend(AuditQuery.shape) },
      responses: { 200: jsonResponse(AuditEventList, "A page of audit events"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const t = tables.auditEvents;
      const where = and(
        eq(t.tenantId, c.var.tenantId),
        query.action ? eq(t.action, query.action) : undefined,
        query.object_id ? eq(t.objectId, query.object_id) : undefined,
        query.api_key_id ? and(eq(t.actorType, "api_key"), eq(t.actorId, query.api_key_id)) : undefined,
        query.kind === "read" ? inArray(t.action, [...READ_ACTIONS]) : query.kind === "change" ? notInArray(t.action, [...READ_ACTIONS]) : undefined,
        query.since ? gte(t.at, Date.parse(query.since)) : undefined,
        query.until ? lt(t.at, Date.parse(query.until)) : undefined,
      );
      const [rows, [totals]] = await Promise.all([
        c.var.db.select().from(t).where(where).orderBy(desc(t.id)).limit(query.size).offset(offsetOf(query.start)),
        c.var.db.select({ total: count() }).from(t).where(where),
      ]);
      return c.json({ data: rows.map(toWire), pagination: pagination(query, rows.length, totals?.total ?? 0) }, 200);
    },
  );
}
