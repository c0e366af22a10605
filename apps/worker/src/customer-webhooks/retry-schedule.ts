const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Waits between attempts, as the Standard Webhooks spec suggests: the first attempt is immediate,
 * then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h: eight attempts over about 28 hours.
 */
export const RETRY_DELAYS_MS = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** A Retry-After longer than this is capped: a customer cannot park a delivery for weeks. */
export const MAX_RETRY_AFTER_MS = DAY;

/** An endpoint whose every attempt has failed for this long is disabled. */
export const FAILING_DISABLE_AFTER_MS = 5 * DAY;

/** When to try again after the failed attempt `step` (0-based) of a round, or null when it was the last. */
export function nextAttemptAt(step: number, now: number, retryAfterMs: number | null): number | null {
  const delay = RETRY_DELAYS_MS[step];
  if (delay === undefined) return null;
  return now + Math.max(delay, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * SECOND;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
