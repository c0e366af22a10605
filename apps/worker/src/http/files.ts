import { createRoute, z } from "@hono/zod-openapi";
import { recordReads } from "../audit/record";
import { HttpError } from "./errors";
import { checkFileLink, FILE_LINK_TTL_SECONDS, FOR_PROVIDER, hasSigningKey, PROVIDER_FILE_LINK_TTL_SECONDS } from "../messages/file-links";
import { tenantDatabaseOf } from "./middleware/tenant-shard";
import type { App } from "./context";
import { errorResponses } from "./openapi/helpers";

const Query = z.object({
  tenant: z.string().max(100).optional().openapi({ description: "The tenant whose file the link opens" }),
  for: z.string().max(100).optional().openapi({ description: "Who the link was handed to: the id of the API key that read the message, or `provider` (MMS)" }),
  expires: z.string().max(20).optional().openapi({ description: "Unix seconds" }),
  signature: z.string().max(200).optional(),
});

/**
 * Attachments, for whoever holds a signed link (a clinic's app, an MMS provider fetching media).
 * No API key: the signature is the credential. It is bound to the tenant and the file, expires
 * within minutes, and every use is recorded in the tenant's audit trail (`file.read`).
 */
export function registerFileRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/files/{fileId}", tags: ["Files"], operationId: "getFile", security: [],
      summary: "An attachment, through a signed link from a message's `files`",
      description:
        `A link works for its tenant's file only, for ${FILE_LINK_TTL_SECONDS / 60} minutes when given to an API client ` +
        `(${PROVIDER_FILE_LINK_TTL_SECONDS / 60} when given to the messaging provider for MMS); reading the message again gives fresh links. ` +
        "Each use is recorded in the tenant's audit trail as `file.read` by `signed_link`, naming the API key the link was given to.",
      request: {
        params: z.object({ fileId: z.string().openapi({ param: { name: "fileId", in: "path" } }) }),
        query: Query,
      },
      responses: {
        200: { description: "The file", content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } } },
        ...errorResponses(403, 404),
        410: { description: "The link has expired: read the message again for a fresh one" },
      },
    }),
    async (c) => {
      const { fileId } = c.req.valid("param");
      const { tenant, for: issuedTo, expires, signature } = c.req.valid("query");
      if (!hasSigningKey(c.env)) throw new HttpError(404, "File not found");
      const check = await checkFileLink(c.env.FILES_SIGNING_KEY!, { tenantId: tenant, fileId, issuedTo }, expires, signature);
      if (check === "tampered") throw new HttpError(403, "Invalid file link");
      if (check === "expired") throw new HttpError(410, "This file link has expired: read the message again for a fresh link");
      const object = await c.env.FILES.get(`files/${fileId}`);
      // A link signed for one tenant never opens another's file: as if it did not exist.
      if (!object || object.customMetadata?.tenantId !== tenant) {
        await object?.body.cancel();
        throw new HttpError(404, "File not found");
      }
      // Recorded before a byte is served: a read the trail cannot record is not served.
      const viaProvider = issuedTo === FOR_PROVIDER;
      await recordReads(
        await tenantDatabaseOf(c, tenant!),
        { tenantId: tenant!, actor: { type: "signed_link", id: viaProvider ? null : issuedTo! }, requestId: c.get("requestId") ?? null },
        "file.read",
        [fileId],
        { issuedTo: viaProvider ? "messaging_provider" : "api_key" },
      ).catch(async (error: unknown) => {
        await object.body.cancel();
        throw error;
      });
      const headers = new Headers();
      object.writeHttpMetadata(headers);
      headers.set("Content-Length", String(object.size));
      headers.set("ETag", object.httpEtag);
      // The link is the credential: shared caches must not keep the file past it.
      headers.set("Cache-Control", "private, max-age=300");
      headers.set("X-Content-Type-Options", "nosniff");
      return new Response(object.body, { status: 200, headers }) as never;
    },
  );
}
