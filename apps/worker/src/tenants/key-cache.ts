import { and, eq, isNull } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import type { Db } from "../lib/db";
import { Lru } from "../lib/lru";

/**
 * What a request needs of its API key, read in one statement on shard 0 (keys, tenants and the
 * directory live there): the key, its tenant's limits for the rate limiter, and the shard holding
 * the tenant's data with its writes-held flag.
 */
export interface KeyGrant {
  id: string;
  tenantId: string;
  surface: string | null;
  requestsPerSecond: number | null;
  requestBurst: number | null;
  callsPerMinute: number | null;
  maxWebhookEndpoints: number | null;
  shard: number | null;
  writesHeldAt: number | null;
}

/**
 * How long an isolate trusts an active key it has read, instead of reading it on every request.
 * Revoking a key, or an operator changing its tenant, drops it from the isolate that made the
 * change at once; every other isolate sees the change within this time. So it bounds how long a
 * revoked key keeps working elsewhere, how late a limits change applies there, and how late a
 * tenant's move between shards is seen: `scripts/move-tenant.mjs` waits well beyond it
 * (`HOLD_WAIT_MS`, test/shards/move-timing.test.ts) after holding the tenant's writes and again
 * after the flip. Five seconds: a busy key costs an isolate one D1 read per five seconds rather than
 * one per request, and a revoked key dies everywhere faster than an operator can check it.
 */
export const API_KEY_CACHE_TTL_MS = 5_000;

/** At most this many keys per isolate (the least recently used go first). Only active keys are kept, so a flood of invalid keys never evicts them. */
export const API_KEY_CACHE_SIZE = 4_096;

/** The key's row when it is active (not revoked); undefined when there is no such key. */
export function readApiKey(db: Db, keyHash: string): Promise<KeyGrant | undefined> {
  const { apiKeys, tenants, tenantShards } = tables;
  return db
    .select({
      id: apiKeys.id,
      tenantId: apiKeys.tenantId,
      surface: apiKeys.surface,
      requestsPerSecond: tenants.requestsPerSecond,
      requestBurst: tenants.requestBurst,
      callsPerMinute: tenants.callsPerMinute,
      maxWebhookEndpoints: tenants.maxWebhookEndpoints,
      shard: tenantShards.shard,
      writesHeldAt: tenantShards.writesHeldAt,
    })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .leftJoin(tenantShards, eq(tenantShards.tenantId, apiKeys.tenantId))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .get();
}

/**
 * Active keys by their full SHA-256 hash (so a key only ever resolves to its own row and tenant).
 * A key that is unknown or revoked is never kept: it is read again next time.
 */
export class ApiKeyCache {
  private readonly keys: Lru<string, KeyGrant>;
  /** Bumped by every forget: a read that started before one does not put back what it dropped. */
  private generation = 0;

  constructor(
    private readonly now: () => number = Date.now,
    ttlMs = API_KEY_CACHE_TTL_MS,
    size = API_KEY_CACHE_SIZE,
  ) {
    this.keys = new Lru(size, ttlMs, now);
  }

  async resolve(keyHash: string, read: () => Promise<KeyGrant | undefined>): Promise<KeyGrant | undefined> {
    const hit = this.keys.get(keyHash);
    if (hit) return hit;
    const [generation, at] = [this.generation, this.now()];
    const row = await read();
    // Aged from when the read began, not when it answered.
    if (row && generation === this.generation) this.keys.set(keyHash, row, at);
    return row;
  }

  forgetKey(keyHash: string) {
    this.generation++;
    this.keys.delete(keyHash);
  }

  forgetTenant(tenantId: string) {
    this.generation++;
    this.keys.deleteWhere((grant) => grant.tenantId === tenantId);
  }

  clear() {
    this.generation++;
    this.keys.clear();
  }

  get size() {
    return this.keys.count;
  }
}

const cache = new ApiKeyCache();

/** The active key with this hash, from this isolate's cache or shard 0 (`control`). */
export function resolveApiKey(control: Db, keyHash: string): Promise<KeyGrant | undefined> {
  return cache.resolve(keyHash, () => readApiKey(control, keyHash));
}

/** Drops a key from this isolate's cache (it was revoked). */
export function forgetApiKey(keyHash: string) {
  cache.forgetKey(keyHash);
}

/** Drops a tenant's keys from this isolate's cache (the operator changed its limits or placement); no tenant: every key. */
export function forgetTenantKeys(tenantId?: string) {
  if (tenantId) cache.forgetTenant(tenantId);
  else cache.clear();
}
