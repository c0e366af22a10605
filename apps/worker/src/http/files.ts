import { createRoute, z } from "@hono/zod-openapi";
import { HttpError } from "./errors";
import { checkFileLink, hasSigningKey } from "../messages/file-links";
import type { App } from "./context";
import { errorResponses } from "./openapi/helpers";

/**
 * Attachments, for whoever holds a signed link (a clinic's app, an MMS provider fetching media).
 * No API key: the signature is the credential, and it expires.
 */
export function registerFileRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/files/{fileId}", operationId: "getFile", tags: ["Files"],
      // No API key: the link's signature is the credential.
      security: [],
      summary: "An attachment, through a signed link from a message's `files`",
      request: {
        params: z.object({ fileId: z.string().openapi({ param: { name: "fileId", in: "path" } }) }),
        query: z.object({ expires: z.string().optional(), signature: z.string().optional() }),
      },
      responses: {
        200: { description: "The file", content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } } },
        ...errorResponses(403, 404),
        410: { description: "The link has expired: read the message again for a fresh one" },
      },
    }),
    async (c) => {
      const { fileId } = c.req.valid("param");
      const { expires, signature } = c.req.valid("query");
      if (!hasSigningKey(c.env)) throw new HttpError(404, "File not found");
      const check = await checkFileLink(c.env.FILES_SIGNING_KEY!, fileId, expires, signature);
      if (check === "tampered") throw new HttpError(403, "Invalid file link");
      if (check === "expired") throw new HttpError(410, "This file link has expired: read the message again for a fresh link");
      const object = await c.env.FILES.get(`files/${fileId}`);
      if (!object) throw new HttpError(404, "File not found");
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
