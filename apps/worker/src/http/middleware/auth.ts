import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { ApiKeySurface } from "@switchboard/schemas";
import { HttpError } from "../errors";
import { secretsEqual, sha256Hex } from "../../lib/crypto";
import { resolveApiKey } from "../../tenants/key-cache";
import { limitsOf } from "../../tenants/limits";
import type { AppEnv } from "../context";
import { useTenantShard } from "./tenant-shard";

const SURFACE_NAMES: Record<ApiKeySurface, string> = { voipbin: "the VoIPbin surface (/v1.0)" };

/** The key from `X-API-Key`, `API-KEY` or `Authorization: Bearer`. */
export function presentedKey(headers: { header(name: string): string | undefined }): string | undefined {
  const direct = headers.header("X-API-Key") ?? headers.header("API-KEY");
  if (direct) return direct.trim();
  const auth = headers.header("Authorization");
  const match = auth?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim();
}

/**
 * Resolves the tenant (and its limits) from an API key. A `TENANT` header, when sent, must name the
 * key's own tenant. `find` says where a surface's clients put the key (headers unless told
 * otherwise); `surface` names the surface, when it is one a key can be limited to. A key limited to
 * a surface is refused (403) everywhere else.
 */
export const apiKeyAuthFrom = (find: (c: Context<AppEnv>) => string | undefined, surface: ApiKeySurface | null = null) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const key = find(c);
    if (!key) throw new HttpError(401, "Missing API key: send X-API-Key, API-KEY or Authorization: Bearer");
    const keyHash = await sha256Hex(key);
    // Shard 0 (keys, tenants and the directory live there), or this isolate's short cache of active
    // keys (tenants/key-cache.ts): the key, the tenant's limits and the shard holding its data.
    const row = await resolveApiKey(c.var.db, keyHash);
    if (!row) throw new HttpError(401, "Invalid API key");
    if (row.surface !== null && row.surface !== surface) {
      throw new HttpError(403, `This API key works only on ${SURFACE_NAMES[row.surface as ApiKeySurface] ?? `the ${row.surface} surface`}`);
    }
    const tenantHeader = c.req.header("TENANT");
    if (tenantHeader !== undefined && tenantHeader.trim() !== row.tenantId) {
      throw new HttpError(403, "The TENANT header does not match the API key's tenant");
    }
    c.set("tenantId", row.tenantId);
    c.set("apiKeyId", row.id);
    c.set("limits", limitsOf(row, c.env));
    useTenantShard(c, { shard: row.shard ?? 0, writesHeld: row.writesHeldAt !== null });
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
