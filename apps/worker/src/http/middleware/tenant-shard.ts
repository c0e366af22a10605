import type { Context } from "hono";
import { createDb } from "../../lib/db";
import { placementOf, shardDatabase, type Placement } from "../../shards/directory";
import type { Scope } from "../../scope";
import { scopeOf, type AppEnv } from "../context";
import { HttpError } from "../errors";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Points the request's `db` at the tenant's shard, once per request, as soon as the tenant is
 * known. While the tenant is being moved between shards its writes are refused: 503, Retry-After.
 */
export function useTenantShard(c: Context<AppEnv>, placement: Placement) {
  if (placement.writesHeld && !READS.has(c.req.method)) {
    c.header("Retry-After", "60");
    throw new HttpError(503, "This tenant's data is being moved to another database: retry in a minute");
  }
  c.set("db", createDb(shardDatabase(c.env, placement.shard)));
}

/** The same for routes that name the tenant in their path (Twilio webhooks, /admin): a fresh directory read. */
export async function resolveTenantShard(c: Context<AppEnv>, tenantId: string) {
  useTenantShard(c, await placementOf(c.env, tenantId, true));
}

/** The database of a tenant a route names (an /admin path, a signed link): a fresh directory read. */
export async function tenantDatabaseOf(c: Context<AppEnv>, tenantId: string): Promise<D1Database> {
  return shardDatabase(c.env, (await placementOf(c.env, tenantId, true)).shard);
}

/** The use cases' scope for a tenant an /admin route names: its data on its own shard. */
export async function tenantScopeOf(c: Context<AppEnv>, tenantId: string): Promise<Scope> {
  return { ...scopeOf(c, tenantId), db: createDb(await tenantDatabaseOf(c, tenantId)) };
}

/** The control plane (shard 0): every tenant, API key and console session, and the shard directory. */
export function controlDb(c: Context<AppEnv>) {
  return createDb(c.env.DB);
}
