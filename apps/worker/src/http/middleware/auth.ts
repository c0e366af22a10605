import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { tables } from "@switchboard/schemas";
import { HttpError } from "../errors";
import { secretsEqual, sha256Hex } from "../../lib/crypto";
import type { AppEnv } from "../context";
import { useTenantShard } from "./tenant-shard";

/** The key from `X-API-Key`, `API-KEY` or `Authorization: Bearer`. */
export function presentedKey(headers: { header(name: string): string | undefined }): string | undefined {
  const direct = headers.header("X-API-Key") ?? headers.header("API-KEY");
  if (direct) return direct.trim();
  const auth = headers.header("Authorization");
  const match = auth?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim();
}

/**
 * Resolves the tenant from an API key. A `TENANT` header, when sent, must name the key's own tenant.
 * `find` says where a surface's clients put the key (headers unless told otherwise).
 */
export const apiKeyAuthFrom = (find: (c: Context<AppEnv>) => string | undefined) => createMiddleware<AppEnv>(async (c, next) => {
  const key = find(c);
  if (!key) throw new HttpError(401, "Missing API key: send X-API-Key, API-KEY or Authorization: Bearer");
  const keyHash = await sha256Hex(key);
  // Keys live on shard 0 with the directory: one read finds the tenant and where its data is.
  const row = await c.var.db
    .select({ id: tables.apiKeys.id, tenantId: tables.apiKeys.tenantId, shard: tables.tenantShards.shard, writesHeldAt: tables.tenantShards.writesHeldAt })
    .from(tables.apiKeys)
    .leftJoin(tables.tenantShards, eq(tables.tenantShards.tenantId, tables.apiKeys.tenantId))
    .where(and(eq(tables.apiKeys.keyHash, keyHash), isNull(tables.apiKeys.revokedAt)))
    .get();
  if (!row) throw new HttpError(401, "Invalid API key");
  useTenantShard(c, { shard: row.shard ?? 0, writesHeld: row.writesHeldAt !== null });
  const tenantHeader = c.req.header("TENANT");
  if (tenantHeader !== undefined && tenantHeader.trim() !== row.tenantId) {
    throw new HttpError(403, "The TENANT header does not match the API key's tenant");
  }
  c.set("tenantId", row.tenantId);
  c.set("apiKeyId", row.id);
  await next();
});

export const apiKeyAuth = apiKeyAuthFrom((c) => presentedKey(c.req));

/** Operator endpoints: `Authorization: Bearer <ADMIN_TOKEN>`. With no token configured, admin is closed. */
export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  const auth = c.req.header("Authorization");
  const token = auth?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (!expected || !token || !(await secretsEqual(token, expected))) {
    throw new HttpError(401, "Invalid or missing admin token");
  }
  await next();
});
