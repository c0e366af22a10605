import { DAY_MS } from "./zone-time";

export const WEEK_MS = 7 * DAY_MS;

/**
 * The health-care exemption's frequency limit, 47 CFR 64.1200(a)(9)(iv): one call or text per
 * day, at most three per week. We read "day" and "week" as rolling 24 hours and 7 days: any two
 * contacts on one calendar day are within 24 hours, and any four in one calendar week are within
 * 7 days, so the rolling reading never allows what a calendar reading forbids.
 */
export const EXEMPT_CAPS = { perDay: 1, perWeek: 3 } as const;

/**
 * The earliest instant at or after `at` at which fewer than `max` of `times` lie in the trailing
 * `windowMs`. A contact at `c` counts at `t` while `t - c < windowMs`, so at `c + windowMs` it is
 * gone: the wait ends when the `max`-th most recent contact leaves the window.
 */
export function earliestUnderCap(times: readonly number[], max: number, windowMs: number, at: number): number {
  const counted = times.filter((c) => at - c < windowMs).sort((a, b) => b - a);
  if (counted.length < max) return at;
  return counted[max - 1]! + windowMs;
}
