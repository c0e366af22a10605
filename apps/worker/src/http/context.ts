import type { OpenAPIHono } from "@hono/zod-openapi";
import type { TenantLimits } from "@switchboard/schemas";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Env } from "../env";
import { createDb, type Db } from "../lib/db";
import type { IdempotencyClaim, Scope } from "../scope";

/** What middleware puts on the context for handlers. */
export interface AppVariables {
  requestId: string;
  db: Db;
  /** Set by API-key auth on /api/v1. */
  tenantId: string;
  apiKeyId: string;
  /** Set by the idempotency middleware when the request carries an Idempotency-Key. */
  idempotencyClaim: IdempotencyClaim;
  /** The authenticated tenant's rate limits and quotas (tenants/limits.ts). */
  limits: TenantLimits;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };
export type App = OpenAPIHono<AppEnv>;

/**
 * The use cases' view of this request: its services and who is asking. `tenantId` names the
 * tenant on /admin routes, where no API key does.
 */
export function scopeOf(c: Context<AppEnv>, tenantId?: string): Scope {
  const apiKeyId = c.get("apiKeyId");
  return {
    env: c.env,
    db: c.var.db,
    waitUntil: (work) => c.executionCtx.waitUntil(work),
    tenantId: tenantId ?? c.get("tenantId"),
    actor: apiKeyId ? { type: "api_key", id: apiKeyId } : { type: "admin", id: null },
    requestId: c.get("requestId") ?? null,
    idempotency: c.get("idempotencyClaim") ?? null,
  };
}

/** Gives every request an id (echoed as X-Request-Id and in error envelopes) and a db handle (shard 0, until the tenant is known). */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = `req_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`;
  c.set("requestId", requestId);
  c.set("db", createDb(c.env.DB));
  await next();
  c.header("X-Request-Id", requestId);
});
