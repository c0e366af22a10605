import { z } from "@hono/zod-openapi";

// Wall-clock math in IANA zones with only `Intl` (no date library in the worker bundle).
// Instants are epoch milliseconds; a local time of day is minutes past local midnight.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** A calendar date on the wall clock of some zone. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export const IanaTimeZone = z
  .string()
  .max(64)
  .refine(isIanaTimeZone, "must be an IANA time zone such as America/New_York")
  .openapi({ example: "America/New_York" });

export function isIanaTimeZone(zone: string): boolean {
  if (!zone.includes("/") && zone !== "UTC") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// Building a formatter is the slow part of Intl; one per zone is reused, kept under the zone's
// canonical name only, so thousands of spellings of one zone (casings) cannot fill memory.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
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
// Offsets change only on whole minutes, so one reading per zone and minute is exact. Deciding a
// batch asks the same few (zone, minute) pairs thousands of times; formatToParts is the slow part.
const offsets = new Map<string, number>();
const OFFSETS_KEPT = 4_096;

/** The zone's offset from UTC at `at`, in minutes (New York in winter: -300). */
export function offsetMinutes(at: number, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(at / MINUTE_MS)}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  const offset = readOffset(at, timeZone);
  if (offsets.size >= OFFSETS_KEPT) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

function readOffset(at: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) fields[part.type] = Number(part.value);
  const wall = Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
  return Math.round((wall - Math.floor(at / 1000) * 1000) / MINUTE_MS);
}

/** `at` read off the zone's wall clock, as if that reading were UTC: date arithmetic stays in UTC. */
function wallAt(at: number, timeZone: string): number {
  return at + offsetMinutes(at, timeZone) * MINUTE_MS;
}

export function localDateAt(at: number, timeZone: string): LocalDate {
  const wall = new Date(wallAt(at, timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

/** Minutes past local midnight at `at` (seconds dropped: 20:59:59 is minute 1259). */
export function minuteOfDayAt(at: number, timeZone: string): number {
  const wall = wallAt(at, timeZone);
  return Math.floor((wall - Math.floor(wall / DAY_MS) * DAY_MS) / MINUTE_MS);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/**
 * The instants at which the zone's clock reads `minute` past midnight on `date`, earliest first.
 * Usually one; two when the clock is set back across that time (the hour repeats); and when the
 * clock skips that time, the first instant after the skip (the reading jumps past it there).
 */
export function instantsAtLocalTime(timeZone: string, date: LocalDate, minute: number): number[] {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minute * MINUTE_MS;
  // Offsets run from -12 h to +14 h, so a day either side brackets any change near this reading.
  const before = offsetMinutes(wall - DAY_MS, timeZone);
  const after = offsetMinutes(wall + DAY_MS, timeZone);
  const found = new Set<number>();
  for (const offset of [before, after]) {
    const at = wall - offset * MINUTE_MS;
    if (offsetMinutes(at, timeZone) === offset) found.add(at);
  }
  if (found.size > 0) return [...found].sort((a, b) => a - b);
  return [offsetChange(timeZone, wall - after * MINUTE_MS, wall - before * MINUTE_MS)];
}

/**
 * The instant the zone's offset changes between `from` (old offset) and `to` (new offset), to the
 * minute: zones change on whole minutes. Assumes one change in between (zones change at most a few
 * times a year).
 */
export function offsetChange(timeZone: string, from: number, to: number): number {
  const target = offsetMinutes(to, timeZone);
  let lo = Math.floor(from / MINUTE_MS) * MINUTE_MS;
  let hi = Math.ceil(to / MINUTE_MS) * MINUTE_MS;
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / MINUTE_MS / 2) * MINUTE_MS;
    if (offsetMinutes(mid, timeZone) === target) hi = mid;
    else lo = mid;
  }
  return hi;
}
