import { addDays, instantsAtLocalTime, type LocalDate, localDateAt, minuteOfDayAt, offsetChange, offsetMinutes } from "./zone-time";

/** Local hours in which contact is allowed: minutes past midnight, `start` inclusive, `end` exclusive (24:00 = 1440). */
export interface DailyWindow {
  start: number;
  end: number;
}

/** 47 CFR 64.1200(c)(1): no calls before 8 a.m. or after 9 p.m. local time at the called party's location. */
export const FEDERAL_CALLING_HOURS: DailyWindow = { start: 8 * 60, end: 21 * 60 };

/** `"08:30"` → 510. */
export function clockMinutes(clock: string): number {
  const match = /^(\d\d):(\d\d)$/.exec(clock);
  if (!match) throw new Error(`not a clock time: ${clock}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

export function dailyWindow(start: string, end: string): DailyWindow {
  return { start: clockMinutes(start), end: clockMinutes(end) };
}

/** The hours both windows allow, or null when they share none. */
export function intersectWindows(a: DailyWindow, b: DailyWindow): DailyWindow | null {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return start < end ? { start, end } : null;
}

export function isWithinWindow(at: number, timeZone: string, window: DailyWindow): boolean {
  const minute = minuteOfDayAt(at, timeZone);
  return minute >= window.start && minute < window.end;
}

/**
 * `at` if the window is open then, else the exact instant it next opens. A window opens either when
 * the clock reaches `start` (which may happen twice on a day the clock is set back) or when the
 * clock jumps into the window at a DST change (a `start` inside a skipped hour opens at the jump).
 * The window must be non-empty (start < end).
 */
export function nextWindowOpening(at: number, timeZone: string, window: DailyWindow): number {
  if (isWithinWindow(at, timeZone, window)) return at;
  const today = localDateAt(at, timeZone);
  // A non-empty window opens within two days; the extra days only guard odd zone histories.
  for (let days = 0; days <= 7; days++) {
    const date = addDays(today, days);
    const candidates = [...instantsAtLocalTime(timeZone, date, window.start), ...clockChangesOn(timeZone, date)].sort((a, b) => a - b);
    const opening = candidates.find((instant) => instant > at && isWithinWindow(instant, timeZone, window));
    if (opening !== undefined) return opening;
  }
  throw new Error(`calling window ${window.start}-${window.end} never opens in ${timeZone}`);
}

/** The instant the zone's clock changes on `date`, if it does. */
function clockChangesOn(timeZone: string, date: LocalDate): number[] {
  const dayStart = instantsAtLocalTime(timeZone, date, 0)[0]!;
  const nextDayStart = instantsAtLocalTime(timeZone, addDays(date, 1), 0)[0]!;
  if (offsetMinutes(dayStart, timeZone) === offsetMinutes(nextDayStart, timeZone)) return [];
  return [offsetChange(timeZone, dayStart, nextDayStart)];
}
