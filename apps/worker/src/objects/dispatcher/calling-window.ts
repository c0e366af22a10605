/**
 * Calling hours: the local times of day in which a patient may be dialed. Windows are minutes from
 * local midnight, `start` inclusive, `end` exclusive; 24:00 is 1440.
 */
export interface CallingWindow {
  start: number;
  end: number;
}

/** The legal window when the deployment sets none (`CALLING_HOURS`). */
export const DEFAULT_CALLING_HOURS = "08:00-21:00";

export function parseClock(clock: string): number {
  const match = /^(\d\d):(\d\d)$/.exec(clock);
  if (!match) throw new Error(`bad clock time ${clock}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** `"08:00-21:00"` → window; null when malformed or empty. */
export function parseWindow(text: string | undefined): CallingWindow | null {
  const match = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec((text ?? "").trim());
  if (!match) return null;
  const window = { start: parseClock(match[1]!), end: parseClock(match[2]!) };
  return window.start < window.end && window.end <= 1440 ? window : null;
}

/** The deployment's legal window: `CALLING_HOURS` if it parses, else 08:00-21:00. */
export function legalWindow(env: { CALLING_HOURS?: string }): CallingWindow {
  return parseWindow(env.CALLING_HOURS) ?? parseWindow(DEFAULT_CALLING_HOURS)!;
}

/** A tenant's window inside the legal one. A tenant window outside it (the law changed) falls back to the legal one. */
export function effectiveWindow(legal: CallingWindow, tenant: CallingWindow): CallingWindow {
  const start = Math.max(legal.start, tenant.start);
  const end = Math.min(legal.end, tenant.end);
  return start < end ? { start, end } : legal;
}

/**
 * One formatter per zone, under the zone's canonical name (`resolvedOptions().timeZone`): building
 * one is the slow part of Intl, but caching by the spelling asked for would let thousands of
 * casings of one zone (`america/chicago`, `AMERICA/Chicago`, ...) fill a worker's memory. Other
 * spellings build a formatter each time and are not kept.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  const format = new Intl.DateTimeFormat("en-US", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const canonical = format.resolvedOptions().timeZone;
  const existing = formatters.get(canonical);
  if (existing) return existing;
  formatters.set(canonical, format);
  return format;
}

/** How many zones have a cached formatter (bounded by the zones that exist, not by spellings). */
export function cachedZoneCount(): number {
  return formatters.size;
}

/** Minutes past local midnight at `at` in `timeZone`. */
export function localMinutes(at: number, timeZone: string): number {
  const format = formatterFor(timeZone);
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(at)) {
    if (part.type === "hour") hour = Number(part.value);
    if (part.type === "minute") minute = Number(part.value);
  }
  return hour * 60 + minute;
}

/**
 * Whether a call may be dialed at `now` in `timeZone`, and if not, when the window next opens
 * (the first minute at or after which it is open). Handles days whose length changes (DST) by
 * checking the candidate time and correcting.
 */
export function windowAt(now: number, timeZone: string, window: CallingWindow): { open: boolean; opensAt: number } {
  if (window.start <= 0 && window.end >= 1440) return { open: true, opensAt: now };
  if (isOpen(now, timeZone, window)) return { open: true, opensAt: now };
  const minutes = localMinutes(now, timeZone);
  const minuteStart = now - (now % 60_000);
  let opensAt = minuteStart + (minutes < window.start ? window.start - minutes : 1440 - minutes + window.start) * 60_000;
  // Across a DST change the local clock at `opensAt` is off by the shift: step by the difference.
  for (let i = 0; i < 3; i++) {
    const local = localMinutes(opensAt, timeZone);
    if (local === window.start) break;
    let delta = window.start - local;
    if (delta < -720) delta += 1440;
    if (delta > 720) delta -= 1440;
    opensAt += delta * 60_000;
  }
  // A start time the clock skips that day: the first open quarter hour after it.
  while (!isOpen(opensAt, timeZone, window) || opensAt <= now) opensAt += 15 * 60_000;
  return { open: false, opensAt };
}

function isOpen(at: number, timeZone: string, window: CallingWindow): boolean {
  const minutes = localMinutes(at, timeZone);
  return minutes >= window.start && minutes < window.end;
}
