import { createRoute, z } from "@hono/zod-openapi";
import { desc, eq } from "drizzle-orm";
import { ApiKey, ApiKeyCreated, SurfaceKeyCreate, pathId, tables } from "@switchboard/schemas";
import { REVOCATION } from "../openapi/revocation";
import { apiKeyToWire, issueApiKey, revokeApiKey } from "../../tenants/keys";
import { scopeOf, type App } from "../context";
import { HttpError } from "../errors";
import { controlDb } from "../middleware/tenant-shard";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["API keys"];
const Params = z.object({ keyId: pathId("keyId") });

/**
 * A tenant's own keys. A tenant issues and revokes keys limited to one surface (today `voipbin`:
 * /v1.0 only), e.g. for a VoIPbin client that must send its key as `?accesskey=`; keys that work
 * everywhere are the operator's to issue (POST /admin/tenants/{id}/keys).
 */
export function registerApiKeyRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/api-keys", tags, security, operationId: "createSurfaceApiKey",
      summary: "Issue a key limited to one surface (shown once)",
      description:
        "`surface: voipbin`: the key works on the VoIPbin surface (/v1.0) only and is refused (403) on every other. " +
        "VoIPbin clients send keys as `?accesskey=`, which proxies, CDNs and servers write to their logs: give them such a key, so a leaked one opens nothing else.",
      request: { body: jsonBody(SurfaceKeyCreate) },
      responses: { 201: jsonResponse(ApiKeyCreated, "The key (shown once; only its hash is stored)"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const key = await issueApiKey(controlDb(c), scopeOf(c), body.name ?? null, body.surface);
      return c.json({ ...apiKeyToWire(key), apiKey: key.apiKey }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/api-keys", tags, security, operationId: "listApiKeys",
      summary: "The tenant's API keys, newest first (never the keys themselves)",
      responses: { 200: jsonResponse(z.object({ data: z.array(ApiKey) }), "Keys"), ...errorResponses(401, 403) },
    }),
    async (c) => {
      const { apiKeys } = tables;
      const rows = await controlDb(c).select().from(apiKeys).where(eq(apiKeys.tenantId, c.var.tenantId)).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
      return c.json({ data: rows.map(apiKeyToWire) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete", path: "/api-keys/{keyId}", tags, security, operationId: "revokeSurfaceApiKey",
      summary: "Revoke a key limited to one surface",
      description:
        `${REVOCATION} ` +
        "Keys that work on every surface are revoked by the operator (DELETE /admin/tenants/{id}/keys/{keyId}): 404 here.",
      request: { params: Params },
      responses: { 200: jsonResponse(ApiKey, "The revoked key"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { keyId } = c.req.valid("param");
      const row = await revokeApiKey(controlDb(c), scopeOf(c), keyId, true);
      if (!row) throw new HttpError(404, "API key not found (only keys limited to a surface are revoked here)");
      return c.json(apiKeyToWire(row), 200);
    },
  );
}
