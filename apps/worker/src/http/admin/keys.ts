import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, isNull } from "drizzle-orm";
import { ApiKey, ApiKeyCreate, ApiKeyCreated, pathId, tables } from "@switchboard/schemas";
import { recordAudit } from "../../audit/record";
import { HttpError } from "../errors";
import { iso } from "../../lib/time";
import { issueApiKey } from "../../tenants/keys";
import type { App } from "../context";
import { tenantScopeOf } from "../middleware/tenant-shard";
import { adminSecurity, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["Admin"];
const TenantParams = z.object({ tenantId: pathId("tenantId") });
const KeyParams = TenantParams.extend({ keyId: pathId("keyId") });

function toWire(row: typeof tables.apiKeys.$inferSelect): z.infer<typeof ApiKey> {
  return { id: row.id, tenantId: row.tenantId, name: row.name, prefix: row.prefix, createdAt: iso(row.createdAt), revokedAt: iso(row.revokedAt) };
}

export function registerKeyRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/tenants/{tenantId}/keys", tags, security: adminSecurity,
      summary: "Issue an API key for a tenant",
      request: { params: TenantParams, body: { ...jsonBody(ApiKeyCreate), required: false } },
      responses: { 201: jsonResponse(ApiKeyCreated, "The key (shown once)"), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const body = c.req.valid("json") ?? {};
      const tenant = await c.var.db.select({ id: tables.tenants.id }).from(tables.tenants).where(eq(tables.tenants.id, tenantId)).get();
      if (!tenant) throw new HttpError(404, "Tenant not found");
      const key = await issueApiKey(c.var.db, tenantId, body.name ?? null);
      await recordAudit(await tenantScopeOf(c, tenantId), "api_key.issued", key.id);
      return c.json({ ...toWire(key), apiKey: key.apiKey }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/tenants/{tenantId}/keys", tags, security: adminSecurity,
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
      method: "delete", path: "/tenants/{tenantId}/keys/{keyId}", tags, security: adminSecurity,
      summary: "Revoke an API key (refused at once from then on)",
      request: { params: KeyParams },
      responses: { 200: jsonResponse(ApiKey, "The revoked key"), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { tenantId, keyId } = c.req.valid("param");
      const where = and(eq(tables.apiKeys.id, keyId), eq(tables.apiKeys.tenantId, tenantId));
      const revoked = await c.var.db
        .update(tables.apiKeys)
        .set({ revokedAt: Date.now() })
        .where(and(where, isNull(tables.apiKeys.revokedAt)))
        .returning({ id: tables.apiKeys.id });
      const row = await c.var.db.select().from(tables.apiKeys).where(where).get();
      if (!row) throw new HttpError(404, "API key not found");
      if (revoked.length) await recordAudit(await tenantScopeOf(c, tenantId), "api_key.revoked", keyId);
      return c.json(toWire(row), 200);
    },
  );
}
