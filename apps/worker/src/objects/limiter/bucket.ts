/*
 * A token bucket: `capacity` tokens at most, refilled continuously at `perSecond`. A request takes
 * `cost` tokens or none. Pure, so the arithmetic is tested with an injected clock.
 */

export interface BucketSpec {
  /** The most tokens the bucket holds: what may be spent at once after a quiet spell. */
  capacity: number;
  /** Tokens added per second. */
  perSecond: number;
}

export interface BucketState {
  tokens: number;
  /** When `tokens` was computed (epoch ms). */
  at: number;
}

export type TakeResult =
  | { ok: true; state: BucketState; remaining: number }
  /** `retryAfterMs`: when the bucket will hold `cost`; Infinity when it never can (cost above capacity). */
  | { ok: false; state: BucketState; retryAfterMs: number };

/** The bucket as of `now`: refilled since it was last computed, never above capacity (which may have been lowered). */
export function refill(state: BucketState | null, spec: BucketSpec, now: number): BucketState {
  if (!state) return { tokens: spec.capacity, at: now };
  const elapsed = Math.max(0, now - state.at);
  return { tokens: Math.min(spec.capacity, state.tokens + (elapsed / 1000) * spec.perSecond), at: Math.max(now, state.at) };
}

export function take(state: BucketState | null, spec: BucketSpec, cost: number, now: number): TakeResult {
  const current = refill(state, spec, now);
  if (current.tokens >= cost) {
    const next = { tokens: current.tokens - cost, at: current.at };
    return { ok: true, state: next, remaining: Math.floor(next.tokens) };
  }
  if (cost > spec.capacity || spec.perSecond <= 0) return { ok: false, state: current, retryAfterMs: Infinity };
  return { ok: false, state: current, retryAfterMs: Math.ceil(((cost - current.tokens) / spec.perSecond) * 1000) };
}

/** Gives back tokens taken for work that did not happen (never above capacity). */
export function giveBack(state: BucketState | null, spec: BucketSpec, tokens: number, now: number): BucketState {
  const current = refill(state, spec, now);
  return { tokens: Math.min(spec.capacity, current.tokens + tokens), at: current.at };
}

export interface Grant {
  state: BucketState;
  /** Whole tokens taken: between 0 and the most asked for. */
  granted: number;
  /** With none granted: when one token will be there (Infinity: never). */
  retryAfterMs: number;
}

/**
 * Takes as many whole tokens as the bucket holds, up to `most`: an isolate's lease of tokens to
 * spend locally (tenants/request-lease.ts). What it takes is gone from the bucket, so leases never
 * let the tenant spend more than the bucket would one token at a time.
 */
export function takeUpTo(state: BucketState | null, spec: BucketSpec, most: number, now: number): Grant {
  const current = refill(state, spec, now);
  const granted = Math.max(0, Math.min(Math.floor(most), Math.floor(current.tokens)));
  if (granted > 0) return { state: { tokens: current.tokens - granted, at: current.at }, granted, retryAfterMs: 0 };
  if (spec.capacity < 1 || spec.perSecond <= 0) return { state: current, granted: 0, retryAfterMs: Infinity };
  return { state: current, granted: 0, retryAfterMs: Math.ceil(((1 - current.tokens) / spec.perSecond) * 1000) };
}
