import { Lru } from "../lib/lru";
import type { LeaseGrant, LimitDecision } from "../objects/contracts";
import type { BucketSpec } from "../objects/limiter/bucket";

/*
 * The requests budget without a round trip per request: an isolate leases a few tokens at once
 * from the tenant's limiter (`TenantLimiter.lease`, which takes them out of the bucket) and spends
 * them locally, one per request, asking again when they run out. Leased tokens come out of the
 * bucket, so however many isolates lease, the tenant never spends more than the bucket allows; a
 * token is spent within LEASE_TTL_MS of being leased or not at all, so an isolate cannot save
 * tokens up for a burst above the limit. What that costs: a leased token is spent up to a second
 * after the bucket gave it, and tokens an isolate leased but did not spend are lost to the tenant
 * (at most one lease per isolate, capped at a second's refill).
 */

/** How long leased tokens may be spent after they were asked for. */
export const LEASE_TTL_MS = 1_000;

/** Tenants whose lease an isolate keeps (the least recently used are forgotten, their tokens lost). */
const LEASED_TENANTS = 1_024;

/**
 * Tokens asked for at once: a tenth of the burst (so a few isolates cannot drain it between them),
 * at most what a second refills (so an isolate that goes quiet wastes little), at least one. A
 * burst below 20 leases one token at a time: exactly the old one request, one take.
 */
export function leaseSize(spec: BucketSpec): number {
  return Math.max(1, Math.min(Math.floor(spec.capacity / 10), Math.floor((spec.perSecond * LEASE_TTL_MS) / 1000)));
}

/** Asks the limiter for up to `most` tokens. */
export type Ask = (most: number) => Promise<LeaseGrant>;

interface Lease {
  spec: BucketSpec;
  tokens: number;
  expiresAt: number;
  /** Tokens asked for by requests awaiting the limiter: concurrent requests ask for one each, not a lease each. */
  asking: number;
}

const sameSpec = (a: BucketSpec, b: BucketSpec) => a.capacity === b.capacity && a.perSecond === b.perSecond;

/** One isolate's leases, by tenant. The clock is injected for tests. */
export class RequestLeases {
  private readonly leases: Lru<string, Lease>;

  constructor(private readonly now: () => number = Date.now) {
    this.leases = new Lru(LEASED_TENANTS, Infinity, now);
  }

  /** One request of the tenant's: a leased token, else a new lease (its first token spent on this request), else a refusal. */
  async take(tenantId: string, spec: BucketSpec, ask: Ask): Promise<LimitDecision> {
    const held = this.spend(tenantId, spec);
    if (held) return held;
    let lease = this.leases.get(tenantId);
    // Taken under other limits (the operator changed them): dropped.
    if (!lease || !sameSpec(lease.spec, spec)) {
      lease = { spec, tokens: 0, expiresAt: 0, asking: 0 };
      this.leases.set(tenantId, lease);
    }
    const most = Math.max(1, leaseSize(spec) - lease.asking);
    const askedAt = this.now();
    lease.asking += most;
    let grant: LeaseGrant;
    try {
      grant = await ask(most);
    } finally {
      lease.asking -= most;
    }
    if (grant.granted < 1) {
      // Another request's lease may have come back meanwhile.
      return this.spend(tenantId, spec) ?? { ok: false, retryAfterMs: grant.retryAfterMs };
    }
    const expiresAt = askedAt + LEASE_TTL_MS;
    if (this.leases.get(tenantId) === lease) {
      if (lease.tokens >= 1 && lease.expiresAt > this.now()) {
        // Joined to tokens still held: the earlier expiry for all, so none outlives its own.
        lease.tokens += grant.granted;
        lease.expiresAt = Math.min(lease.expiresAt, expiresAt);
      } else {
        lease.tokens = grant.granted;
        lease.expiresAt = expiresAt;
      }
      lease.tokens -= 1;
      return { ok: true, remaining: lease.tokens };
    }
    // The lease was dropped while asking (new limits): this request's token only.
    return { ok: true, remaining: 0 };
  }

  private spend(tenantId: string, spec: BucketSpec): LimitDecision | null {
    const lease = this.leases.get(tenantId);
    if (!lease || !sameSpec(lease.spec, spec) || lease.tokens < 1 || lease.expiresAt <= this.now()) return null;
    lease.tokens -= 1;
    return { ok: true, remaining: lease.tokens };
  }
}
