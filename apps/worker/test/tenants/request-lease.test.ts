import { describe, expect, it } from "vitest";
import { takeUpTo, type BucketSpec, type BucketState } from "../../src/objects/limiter/bucket";
import { LEASE_TTL_MS, leaseSize, RequestLeases } from "../../src/tenants/request-lease";

/*
 * The requests budget leased to isolates, with an injected clock: a tenant's limiter (the bucket
 * arithmetic its Durable Object runs, `takeUpTo`) and any number of isolates (`RequestLeases`), each
 * spending leased tokens locally. Over HTTP, test/http/rate-limits.test.ts and
 * test/http/rate-limit-leases.test.ts run the same through the real Durable Object.
 */

function world(start = 0) {
  let now = start;
  const clock = () => now;
  return { clock, advance: (ms: number) => (now += ms), at: (ms: number) => (now = ms) };
}

/** One tenant's limiter: the bucket, and every grant it made. */
function limiter(clock: () => number) {
  let state: BucketState | null = null;
  const asks: number[] = [];
  let granted = 0;
  return {
    asks,
    get granted() {
      return granted;
    },
    ask: (spec: BucketSpec) => async (most: number) => {
      asks.push(most);
      const result = takeUpTo(state, spec, most, clock());
      state = result.state;
      granted += result.granted;
      return { granted: result.granted, retryAfterMs: result.granted ? 0 : Number.isFinite(result.retryAfterMs) ? result.retryAfterMs : null };
    },
  };
}

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number) {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

describe("the limiter's side: takeUpTo", () => {
  it("grants whole tokens, up to what is asked and what the bucket holds", () => {
    const spec = { capacity: 10, perSecond: 5 };
    const first = takeUpTo(null, spec, 4, 0);
    expect(first).toMatchObject({ granted: 4, state: { tokens: 6 } });
    const rest = takeUpTo(first.state, spec, 100, 0);
    expect(rest).toMatchObject({ granted: 6, state: { tokens: 0 } });
    // 0.5 of a token after 100 ms: none granted, one whole token in another 100 ms.
    expect(takeUpTo(rest.state, spec, 3, 100)).toMatchObject({ granted: 0, retryAfterMs: 100 });
    expect(takeUpTo(rest.state, spec, 3, 200)).toMatchObject({ granted: 1 });
    expect(takeUpTo(null, { capacity: 1, perSecond: 0 }, 1, 0)).toMatchObject({ granted: 1 });
    expect(takeUpTo({ tokens: 0, at: 0 }, { capacity: 1, perSecond: 0 }, 1, 0)).toMatchObject({ granted: 0, retryAfterMs: Infinity });
  });
});

describe("lease size", () => {
  it("is a tenth of the burst, at most a second's refill, at least one token", () => {
    expect(leaseSize({ capacity: 100, perSecond: 50 })).toBe(10);
    expect(leaseSize({ capacity: 2, perSecond: 1 })).toBe(1);
    expect(leaseSize({ capacity: 19, perSecond: 100 })).toBe(1);
    expect(leaseSize({ capacity: 1_000, perSecond: 3 })).toBe(3);
    expect(leaseSize({ capacity: 100_000, perSecond: 100_000 })).toBe(10_000);
    expect(leaseSize({ capacity: 1, perSecond: 0 })).toBe(1);
  });
});

describe("requests spent from leases", () => {
  const spec = { capacity: 100, perSecond: 50 };

  it("one isolate asks the limiter once per lease, not once per request, and still gets the whole burst", async () => {
    const { clock } = world();
    const tenant = limiter(clock);
    const isolate = new RequestLeases(clock);
    const decisions = [];
    for (let i = 0; i < 101; i++) decisions.push(await isolate.take("t", spec, tenant.ask(spec)));
    expect(decisions.slice(0, 100).every((d) => d.ok)).toBe(true);
    expect(decisions[100]).toEqual({ ok: false, retryAfterMs: 20 });
    // Ten leases of ten, then the refusal's ask.
    expect(tenant.asks).toEqual([...Array(10).fill(10), 10]);
  });

  it("a tenant with a burst of 2 is refused its third immediate request, with when to retry", async () => {
    const { clock, advance } = world();
    const tight = { capacity: 2, perSecond: 1 };
    const tenant = limiter(clock);
    const isolate = new RequestLeases(clock);
    const ask = tenant.ask(tight);
    expect(await isolate.take("t", tight, ask)).toMatchObject({ ok: true });
    expect(await isolate.take("t", tight, ask)).toMatchObject({ ok: true });
    expect(await isolate.take("t", tight, ask)).toEqual({ ok: false, retryAfterMs: 1_000 });
    advance(1_000);
    expect(await isolate.take("t", tight, ask)).toMatchObject({ ok: true });
  });

  it("across many isolates, the tenant never spends more than the bucket allows, in total or in any window", async () => {
    const { clock, at } = world();
    const tenant = limiter(clock);
    const isolates = Array.from({ length: 8 }, () => new RequestLeases(clock));
    const next = random(42);
    const allowedAt: number[] = [];
    const SECONDS = 10;
    // Requests arrive at random isolates, about 400 a second (8x the rate): far more than allowed.
    for (let t = 0; t < SECONDS * 1000; t += Math.floor(next() * 5)) {
      at(t);
      const isolate = isolates[Math.floor(next() * isolates.length)]!;
      if ((await isolate.take("t", spec, tenant.ask(spec))).ok) allowedAt.push(t);
    }
    const allowed = allowedAt.length;
    // Every request let through spent a token the bucket granted; the bucket granted no more than it holds.
    expect(allowed).toBeLessThanOrEqual(tenant.granted);
    expect(tenant.granted).toBeLessThanOrEqual(spec.capacity + spec.perSecond * SECONDS);
    // In any window, at most a burst plus what the window (and a lease's life) refills.
    for (const windowMs of [100, 500, 1_000, 3_000]) {
      let j = 0;
      for (let i = 0; i < allowedAt.length; i++) {
        while (allowedAt[i]! - allowedAt[j]! >= windowMs) j++;
        expect(i - j + 1).toBeLessThanOrEqual(spec.capacity + (spec.perSecond * (windowMs + LEASE_TTL_MS)) / 1000);
      }
    }
    // And the isolates between them still got most of what the tenant may spend.
    expect(allowed).toBeGreaterThan(0.8 * (spec.capacity + spec.perSecond * SECONDS));
  });

  it("an idle isolate cannot save leased tokens for a burst: they expire", async () => {
    const { clock, advance } = world();
    const tenant = limiter(clock);
    const [quiet, busy] = [new RequestLeases(clock), new RequestLeases(clock)];
    expect(await quiet.take("t", spec, tenant.ask(spec))).toMatchObject({ ok: true, remaining: 9 });
    // The bucket refills to its capacity; the quiet isolate still holds nine tokens, now too old.
    advance(LEASE_TTL_MS + 500);
    let through = 0;
    for (let i = 0; i < 200; i++) if ((await busy.take("t", spec, tenant.ask(spec))).ok) through++;
    for (let i = 0; i < 20; i++) if ((await quiet.take("t", spec, tenant.ask(spec))).ok) through++;
    expect(through).toBe(spec.capacity);
  });

  it("a lease taken under other limits is dropped: new limits apply at once", async () => {
    const { clock } = world();
    const tenant = limiter(clock);
    const isolate = new RequestLeases(clock);
    expect(await isolate.take("t", spec, tenant.ask(spec))).toMatchObject({ ok: true, remaining: 9 });
    const lowered = { capacity: 2, perSecond: 1 };
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push((await isolate.take("t", lowered, tenant.ask(lowered))).ok);
    // The bucket, capped at the new capacity, gives two; the nine tokens of the old lease are not spent.
    expect(decisions).toEqual([true, true, false, false]);
  });

  it("concurrent requests in one isolate ask for one lease, and one token each beyond it", async () => {
    const { clock } = world();
    const tenant = limiter(clock);
    const isolate = new RequestLeases(clock);
    const decisions = await Promise.all(Array.from({ length: 5 }, () => isolate.take("t", spec, tenant.ask(spec))));
    expect(decisions.every((d) => d.ok)).toBe(true);
    expect(tenant.asks).toEqual([10, 1, 1, 1, 1]);
    // The first lease's other nine serve what follows, without asking.
    for (let i = 0; i < 9; i++) expect((await isolate.take("t", spec, tenant.ask(spec))).ok).toBe(true);
    expect(tenant.asks).toHaveLength(5);
  });

  it("one tenant spending its budget never refuses another", async () => {
    const { clock } = world();
    const [a, b] = [limiter(clock), limiter(clock)];
    const isolate = new RequestLeases(clock);
    const tight = { capacity: 2, perSecond: 1 };
    let refusedA = 0;
    for (let i = 0; i < 50; i++) if (!(await isolate.take("a", tight, a.ask(tight))).ok) refusedA++;
    expect(refusedA).toBe(48);
    for (let i = 0; i < 100; i++) expect((await isolate.take("b", spec, b.ask(spec))).ok).toBe(true);
  });

  it("an unreachable limiter is the caller's to handle: the error comes through, no token is counted", async () => {
    const { clock } = world();
    const isolate = new RequestLeases(clock);
    await expect(isolate.take("t", spec, () => Promise.reject(new Error("limiter overloaded")))).rejects.toThrow("limiter overloaded");
    const tenant = limiter(clock);
    expect(await isolate.take("t", spec, tenant.ask(spec))).toMatchObject({ ok: true, remaining: 9 });
  });
});
