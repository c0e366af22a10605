import { createRoute, z } from "@hono/zod-openapi";
import { desc, eq } from "drizzle-orm";
import { ApiKey, ApiKeyCreate, ApiKeyCreated, pathId, tables } from "@switchboard/schemas";
import { HttpError } from "../errors";
import { REVOCATION } from "../openapi/revocation";
import { apiKeyToWire, issueApiKey, revokeApiKey } from "../../tenants/keys";
import type { App } from "../context";
import { tenantScopeOf } from "../middleware/tenant-shard";
import { adminSecurity, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["Admin"];
const TenantParams = z.object({ tenantId: pathId("tenantId") });
const KeyParams = TenantParams.extend({ keyId: pathId("keyId") });

const toWire = apiKeyToWire;

export function registerKeyRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/tenants/{tenantId}/keys", operationId: "createTenantApiKey", tags, security: adminSecurity,
      summary: "Issue an API key for a tenant (optionally limited to one surface, e.g. `voipbin`)",
      request: { params: TenantParams, body: { ...jsonBody(ApiKeyCreate), required: false } },
      responses: { 201: jsonResponse(ApiKeyCreated, "The key (shown once)"), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const body = c.req.valid("json") ?? {};
      const tenant = await c.var.db.select({ id: tables.tenants.id }).from(tables.tenants).where(eq(tables.tenants.id, tenantId)).get();
      if (!tenant) throw new HttpError(404, "Tenant not found");
      const key = await issueApiKey(c.var.db, await tenantScopeOf(c, tenantId), body.name ?? null, body.surface ?? null);
      return c.json({ ...toWire(key), apiKey: key.apiKey }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/tenants/{tenantId}/keys", operationId: "listTenantApiKeys", tags, security: adminSecurity,
      summary: "List a tenant's API keys (hashes and secrets are never shown)",
      request: { params: TenantParams },
      responses: { 200: jsonResponse(z.object({ data: z.array(ApiKey) }), "Keys, newest first"), ...errorResponses(401) },
    }),
    async (c) => {
      const rows = await c.var.db.select().from(tables.apiKeys).where(eq(tables.apiKeys.tenantId, c.req.valid("param").tenantId)).orderBy(desc(tables.apiKeys.createdAt));
      return c.json({ data: rows.map(toWire) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete", path: "/tenants/{tenantId}/keys/{keyId}", operationId: "revokeTenantApiKey", tags, security: adminSecurity,
      summary: "Revoke an API key",
      description: REVOCATION,
      request: { params: KeyParams },
      responses: { 200: jsonResponse(ApiKey, "The revoked key"), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { tenantId, keyId } = c.req.valid("param");
      const row = await revokeApiKey(c.var.db, await tenantScopeOf(c, tenantId), keyId);
      if (!row) throw new HttpError(404, "API key not found");
      return c.json(toWire(row), 200);
    },
  );
}
