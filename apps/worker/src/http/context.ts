import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Env } from "../env";
import type { Db } from "../lib/db";
import type { Scope } from "../scope";

/** What middleware puts on the context for handlers. */
export interface AppVariables {
  requestId: string;
  db: Db;
  /** Set by API-key auth on /api/v1. */
  tenantId: string;
  apiKeyId: string;
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
  };
}
