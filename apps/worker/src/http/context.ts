import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "../env";
import type { Db } from "../lib/db";

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
