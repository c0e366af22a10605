import { createRoute, z } from "@hono/zod-openapi";
import { recordReads } from "../audit/record";
import { exportKey } from "../lifecycle/exports";
import { checkExportLink, hasSigningKey } from "../messages/file-links";
import type { App } from "./context";
import { HttpError } from "./errors";
import { tenantDatabaseOf } from "./middleware/tenant-shard";
import { errorResponses } from "./openapi/helpers";

const param = (name: string) => z.string().max(100).openapi({ param: { name, in: "path" } });

/** A tenant's export, for whoever holds its signed link (from `POST /api/v1/exports`). No API key: the signature is the credential, and it expires. */
export function registerExportDownloadRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/exports/{tenantId}/{exportId}", tags: ["Exports"], operationId: "downloadExport", security: [],
      summary: "Download an export through its signed link",
      request: {
        params: z.object({ tenantId: param("tenantId"), exportId: param("exportId") }),
        query: z.object({ expires: z.string().optional(), signature: z.string().optional() }),
      },
      responses: {
        200: { description: "Gzipped NDJSON", content: { "application/gzip": { schema: z.string().openapi({ format: "binary" }) } } },
        ...errorResponses(403, 404),
        410: { description: "The link has expired: make a new export" },
      },
    }),
    async (c) => {
      const { tenantId, exportId } = c.req.valid("param");
      const { expires, signature } = c.req.valid("query");
      if (!hasSigningKey(c.env)) throw new HttpError(404, "Export not found");
      const check = await checkExportLink(c.env.FILES_SIGNING_KEY!, tenantId, exportId, expires, signature);
      if (check === "tampered") throw new HttpError(403, "Invalid export link");
      if (check === "expired") throw new HttpError(410, "This export link has expired: make a new export");
      const object = await c.env.FILES.get(exportKey(tenantId, exportId));
      if (!object) throw new HttpError(404, "Export not found");
      // Recorded before a byte is served, in the tenant's trail: a read the trail cannot record is not served.
      await recordReads(await tenantDatabaseOf(c, tenantId), { tenantId, actor: { type: "signed_link", id: null }, requestId: c.get("requestId") ?? null }, "export.read", [exportId]).catch(
        async (error: unknown) => {
          await object.body.cancel();
          throw error;
        },
      );
      const headers = new Headers({
        "Content-Type": "application/gzip",
        "Content-Disposition": `attachment; filename="${exportId}.ndjson.gz"`,
        "Content-Length": String(object.size),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
      });
      return new Response(object.body, { status: 200, headers }) as never;
    },
  );
}
