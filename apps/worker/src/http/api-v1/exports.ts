import { createRoute, z } from "@hono/zod-openapi";
import { recordAudit } from "../../audit/record";
import { createExport, MAX_EXPORT_DAYS } from "../../lifecycle/exports";
import { hasSigningKey } from "../../messages/file-links";
import { publicBaseUrl } from "../base-url";
import { scopeOf, type App } from "../context";
import { HttpError } from "../errors";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const day = z.string().regex(/^\d{4}-\d\d-\d\d$/, "must be a date, YYYY-MM-DD").refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "must be a real date");

const ExportRequest = z
  .object({
    from: day.openapi({ example: "2026-01-01", description: "First UTC day (inclusive)" }),
    to: day.openapi({ example: "2026-01-31", description: `Last UTC day (inclusive); at most ${MAX_EXPORT_DAYS} days after from` }),
  })
  .openapi("ExportRequest");

const Export = z
  .object({
    id: z.string(),
    from: z.string(),
    to: z.string(),
    records: z.number().int().openapi({ description: "NDJSON lines in the file" }),
    url: z.string().openapi({ description: "Signed link to the gzipped NDJSON file; no API key needed, so treat it as the data itself" }),
    expires_at: z.string().openapi({ description: "The link stops working then; the file is deleted a day after it was made" }),
  })
  .openapi("Export");

export function registerExportRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/exports", tags: ["Exports"], security, operationId: "createExport",
      summary: "Export the tenant's data for a date range",
      description:
        "Calls (with their history and options) that ended, messages and audit events made in the UTC days from..to, archived or not, " +
        "as gzipped NDJSON (one `{kind, id, row}` per line, `row` as stored). Answers a signed link that expires in an hour.",
      request: { body: jsonBody(ExportRequest) },
      responses: { 201: jsonResponse(Export, "The export and its link"), ...errorResponses(400, 401, 403), 503: { description: "No signing key is configured" } },
    }),
    async (c) => {
      const body = c.req.valid("json");
      if (!hasSigningKey(c.env)) throw new HttpError(503, "Exports are not available: FILES_SIGNING_KEY is not configured");
      const scope = scopeOf(c);
      const result = await createExport(
        { d1: c.var.db.$client, bucket: c.env.FILES, signingSecret: c.env.FILES_SIGNING_KEY, baseUrl: publicBaseUrl(c.env, c.req.url) },
        c.var.tenantId,
        body,
      );
      await recordAudit(scope, "export.created", result.id, { from: result.from, to: result.to, records: result.records });
      return c.json({ id: result.id, from: result.from, to: result.to, records: result.records, url: result.url, expires_at: new Date(result.expiresAt).toISOString() }, 201);
    },
  );
}
