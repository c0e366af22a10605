import type { Env } from "../env";
import { Lru } from "../lib/lru";

/*
 * Tenant shards. Each tenant's data lives on one D1 database: shard 0 is the `DB` binding, shard n
 * is `DB_<n>`. The directory (`tenant_shards`, on shard 0) says which; no row means shard 0, so a
 * single-database deployment needs no directory at all. Shard 0 also holds the control plane every
 * request starts from: all tenants and API keys (a tenant on another shard also has its tenant row
 * there, for its own rows' foreign keys and settings).
 */

export type ShardEnv = Pick<Env, "DB">;

/** The D1 databases bound to this worker, by shard number (0 = `DB`). */
export function shardDatabases(env: ShardEnv): D1Database[] {
  const out: D1Database[] = [env.DB];
  for (let n = 1; ; n++) {
    const d1 = (env as Record<string, unknown>)[`DB_${n}`] as D1Database | undefined;
    if (!d1) return out;
    out.push(d1);
  }
}

export function shardDatabase(env: ShardEnv, shard: number): D1Database {
  const d1 = shardDatabases(env)[shard];
  if (!d1) throw new Error(`shard ${shard} is not bound to this worker (binding DB_${shard})`);
  return d1;
}

/** A tenant's writes are held while it moves between shards; callers answer 503 and retry later. */
export class TenantMovingError extends Error {
  constructor(readonly tenantId: string) {
    super("The tenant is being moved between databases: retry shortly");
    this.name = "TenantMovingError";
  }
}

export interface Placement {
  shard: number;
  writesHeld: boolean;
}

/** How long a Durable Object or the cron trusts a directory entry it read; moving a tenant waits longer than this after holding its writes. */
export const DIRECTORY_CACHE_MS = 10_000;
const cache = new Lru<string, Placement>(10_000, DIRECTORY_CACHE_MS);

/** Where the tenant's data is. `fresh` skips this isolate's short cache (requests always read fresh). */
export async function placementOf(env: ShardEnv, tenantId: string, fresh = false): Promise<Placement> {
  const now = Date.now();
  const hit = fresh ? undefined : cache.get(tenantId);
  if (hit) return hit;
  const row = await env.DB.prepare(`SELECT shard, writes_held_at FROM tenant_shards WHERE tenant_id = ?`)
    .bind(tenantId)
    .first<{ shard: number; writes_held_at: number | null }>();
  const placement = { shard: row?.shard ?? 0, writesHeld: row?.writes_held_at != null };
  cache.set(tenantId, placement, now);
  return placement;
}

/** The tenant's database, for a Durable Object or the cron. Refuses writers while the tenant moves. */
export async function tenantDatabase(env: ShardEnv, tenantId: string, access: "read" | "write" = "write"): Promise<D1Database> {
  const placement = await placementOf(env, tenantId);
  if (access === "write" && placement.writesHeld) throw new TenantMovingError(tenantId);
  return shardDatabase(env, placement.shard);
}

/** The tenants whose data is on a shard (shard 0: every tenant without a directory row elsewhere). */
export async function tenantsOnShard(env: ShardEnv, shard: number): Promise<string[]> {
  const rows =
    shard === 0
      ? await env.DB.prepare(`SELECT id FROM tenants WHERE id NOT IN (SELECT tenant_id FROM tenant_shards WHERE shard <> 0)`).all<{ id: string }>()
      : await env.DB.prepare(`SELECT tenant_id AS id FROM tenant_shards WHERE shard = ?`).bind(shard).all<{ id: string }>();
  return rows.results.map((r) => r.id);
}

/**
 * Where a new tenant goes: the shard asked for, or else the open shard (`NEW_TENANT_SHARDS`, a
 * comma-separated list; default shard 0 alone) holding the fewest tenants.
 */
export async function chooseShard(env: ShardEnv & Pick<Env, "NEW_TENANT_SHARDS">, requested?: number): Promise<number> {
  const bound = shardDatabases(env).length;
  if (requested !== undefined) {
    if (requested >= bound) throw new RangeError(`shard ${requested} does not exist (this deployment has ${bound})`);
    return requested;
  }
  const open = (env.NEW_TENANT_SHARDS ?? "0").split(",").map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n >= 0 && n < bound);
  if (open.length <= 1) return open[0] ?? 0;
  const counts = await env.DB.prepare(`SELECT shard, COUNT(*) AS n FROM tenant_shards GROUP BY shard`).all<{ shard: number; n: number }>();
  const total = (await env.DB.prepare(`SELECT COUNT(*) AS n FROM tenants`).first<{ n: number }>())?.n ?? 0;
  const load = new Map(counts.results.map((r) => [r.shard, r.n]));
  load.set(0, total - counts.results.filter((r) => r.shard !== 0).reduce((a, r) => a + r.n, 0));
  return open.reduce((best, s) => ((load.get(s) ?? 0) < (load.get(best) ?? 0) ? s : best), open[0]!);
}

/** Forgets cached directory entries (after a move flips one, in this isolate). */
export function forgetPlacement(tenantId?: string) {
  if (tenantId) cache.delete(tenantId);
  else cache.clear();
}

/**
 * The tenant owning a row that only its id names (a call object knows its call id, a webhook
 * sender its endpoint id): asked of every shard at once. A shard that cannot answer does not stop
 * the others: the row found on one that did is the answer. Null when every shard answered and none
 * has it; an error when it is on none that answered and some did not (it may be there).
 */
export async function tenantOfRow(env: ShardEnv, table: "calls" | "webhook_endpoints", id: string): Promise<string | null> {
  const answers = await Promise.allSettled(
    shardDatabases(env).map((d1) => d1.prepare(`SELECT tenant_id FROM ${table} WHERE id = ?`).bind(id).first<{ tenant_id: string }>()),
  );
  for (const answer of answers) if (answer.status === "fulfilled" && answer.value) return answer.value.tenant_id;
  const failed = answers.find((a): a is PromiseRejectedResult => a.status === "rejected");
  if (failed) throw failed.reason;
  return null;
}
