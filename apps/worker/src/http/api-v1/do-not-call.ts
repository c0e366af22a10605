import { createRoute, z } from "@hono/zod-openapi";
import { DoNotCallImport, DoNotCallImportResult, DoNotCallList, PageQuery } from "@switchboard/schemas";
import { recordAudit } from "../../audit/record";
import { countDoNotCall, exportDoNotCallCsv, importDoNotCall, listDoNotCall, removeDoNotCall } from "../../consent/do-not-call";
import { offsetOf, pagination } from "../../lib/pagination";
import { toE164 } from "../../lib/phone";
import { iso } from "../../lib/time";
import { HttpError } from "../errors";
import { scopeOf, type App } from "../context";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["Do-not-call list"];

/**
 * The tenant's internal do-not-call list (47 CFR 64.1200(d)): numbers it never calls or texts,
 * whatever the purpose or consent. The contact policy refuses them (`number_on_dnc`).
 */
export function registerDoNotCallRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/do-not-call", tags, security, operationId: "listDoNotCall",
      summary: "The do-not-call list, oldest entries first",
      request: { query: PageQuery },
      responses: { 200: jsonResponse(DoNotCallList, "A page of the list"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const [rows, total] = await Promise.all([
        listDoNotCall(c.var.db, c.var.tenantId, query.size, offsetOf(query.start)),
        countDoNotCall(c.var.db, c.var.tenantId),
      ]);
      const data = rows.map((r) => ({ phoneNumber: r.phoneNumber, note: r.note, source: r.source, addedAt: iso(r.addedAt) }));
      return c.json({ data, pagination: pagination(query, rows.length, total) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post", path: "/do-not-call", tags, security, operationId: "importDoNotCall",
      summary: "Add numbers to the do-not-call list (bulk import)",
      description:
        "Up to 5,000 numbers per request, as strings or `{ phoneNumber, note }`, in any common format (stored as E.164). All or nothing: one number " +
        "that is not a phone number fails the request (400, naming its index). Numbers already listed keep their entry. Refused at once for every later call and text.",
      request: { body: jsonBody(DoNotCallImport) },
      responses: { 200: jsonResponse(DoNotCallImportResult, "What the import changed"), ...errorResponses(400, 401, 403, 413) },
    }),
    async (c) => {
      const { numbers } = c.req.valid("json");
      const entries = numbers.map((n) => (typeof n === "string" ? { phoneNumber: n } : n));
      const result = await importDoNotCall(c.var.db, c.var.tenantId, entries, entries.length > 1 ? "import" : "api");
      await recordAudit(scopeOf(c), "do_not_call.imported", c.var.tenantId, { added: result.added, alreadyListed: result.alreadyListed });
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/do-not-call/export", tags, security, operationId: "exportDoNotCall",
      summary: "The whole do-not-call list as CSV",
      responses: {
        200: { description: "`phone_number,note,source,added_at`, one entry a line", content: { "text/csv": { schema: z.string() } } },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const csv = await exportDoNotCallCsv(c.var.db, c.var.tenantId);
      return c.body(csv, 200, { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": 'attachment; filename="do-not-call.csv"' });
    },
  );

  app.openapi(
    createRoute({
      method: "delete", path: "/do-not-call/{phoneNumber}", tags, security, operationId: "removeDoNotCall",
      summary: "Take a number off the do-not-call list",
      request: { params: z.object({ phoneNumber: z.string().max(40).openapi({ param: { name: "phoneNumber", in: "path" }, example: "+15555550142" }) }) },
      responses: { 200: jsonResponse(z.object({ phoneNumber: z.string(), removed: z.literal(true) }), "Removed"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const phone = toE164(c.req.valid("param").phoneNumber);
      if (!phone) throw new HttpError(400, "phoneNumber must be a phone number (E.164, e.g. +15555551234)");
      if (!(await removeDoNotCall(c.var.db, c.var.tenantId, phone))) throw new HttpError(404, "The number is not on the do-not-call list");
      await recordAudit(scopeOf(c), "do_not_call.removed", c.var.tenantId, {});
      return c.json({ phoneNumber: phone, removed: true as const }, 200);
    },
  );
}
