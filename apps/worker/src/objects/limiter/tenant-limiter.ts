import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../env";
import type { LeaseGrant, LimitBucket, LimitDecision, TenantLimiterRpc } from "../contracts";
import { giveBack, take, takeUpTo, type BucketSpec, type BucketState } from "./bucket";

/**
 * One per tenant (keyed by tenant id): its token buckets, shared by every surface the tenant uses.
 * Each tenant's buckets live in its own object, so one tenant spending its budget (1,000-call
 * batches, a polling loop) never touches another's.
 *
 * A Durable Object rather than the Workers Rate Limiting binding: that binding counts per
 * Cloudflare location, approximately, one unit per call, over a fixed 10 or 60 s period set in the
 * deployment's config; here a budget is exact, per tenant, set by the operator, and a batch spends
 * one token per call. The buckets are written through to the object's storage, so a restart does
 * not refill them.
 */
export class TenantLimiter extends DurableObject<Env> implements TenantLimiterRpc {
  private readonly sql: SqlStorage;
  private readonly buckets = new Map<LimitBucket, BucketState>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, tokens REAL NOT NULL, at INTEGER NOT NULL)");
    for (const row of this.sql.exec<{ name: LimitBucket; tokens: number; at: number }>("SELECT name, tokens, at FROM buckets")) {
      this.buckets.set(row.name, { tokens: row.tokens, at: row.at });
    }
  }

  /** Takes `cost` tokens from the bucket, or none when it holds fewer. Synchronous inside: concurrent requests cannot overspend. */
  async take(bucket: LimitBucket, spec: BucketSpec, cost: number): Promise<LimitDecision> {
    const result = take(this.buckets.get(bucket) ?? null, spec, cost, Date.now());
    this.save(bucket, result.state);
    if (result.ok) return { ok: true, remaining: result.remaining };
    return { ok: false, retryAfterMs: Number.isFinite(result.retryAfterMs) ? result.retryAfterMs : null };
  }

  /**
   * Takes up to `most` whole tokens at once: a lease an isolate spends locally, one request at a
   * time, instead of asking here for every request (tenants/request-lease.ts).
   */
  async lease(bucket: LimitBucket, spec: BucketSpec, most: number): Promise<LeaseGrant> {
    const result = takeUpTo(this.buckets.get(bucket) ?? null, spec, most, Date.now());
    this.save(bucket, result.state);
    return { granted: result.granted, retryAfterMs: result.granted > 0 ? 0 : Number.isFinite(result.retryAfterMs) ? result.retryAfterMs : null };
  }

  /** Gives back tokens taken for work that was refused after all (a batch that failed validation). */
  async giveBack(bucket: LimitBucket, spec: BucketSpec, tokens: number): Promise<void> {
    this.save(bucket, giveBack(this.buckets.get(bucket) ?? null, spec, tokens, Date.now()));
  }

  private save(bucket: LimitBucket, state: BucketState) {
    this.buckets.set(bucket, state);
    this.sql.exec("INSERT INTO buckets (name, tokens, at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, at = excluded.at", bucket, state.tokens, state.at);
  }
}
