import { clockMinutes, FEDERAL_CALLING_HOURS, intersectWindows, type DailyWindow } from "@switchboard/schemas";

/** The deployment settings the contact policy reads (wrangler vars). */
export interface PolicyEnv {
  /** The deployment's legal bound, `HH:MM-HH:MM` local to the patient; it can only narrow 08:00-21:00. */
  CALLING_HOURS?: string;
  /** `true`: simulator calls and texts ignore the calling hours (local development). Never a real vendor. */
  DEV_WIDE_CALLING_WINDOW?: string;
}

/** `"08:00-21:00"` → a window; null when malformed or empty. */
export function parseWindow(text: string | undefined): DailyWindow | null {
  const match = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec((text ?? "").trim());
  if (!match) return null;
  const window = { start: clockMinutes(match[1]!), end: clockMinutes(match[2]!) };
  return window.start < window.end && window.end <= 1440 ? window : null;
}

/**
 * The deployment's calling hours: `CALLING_HOURS` clipped to the federal 08:00-21:00
 * (47 CFR 64.1200(c)(1)), so no setting can widen them; the federal hours when unset, malformed
 * or outside them. `00:00-24:00` therefore means 08:00-21:00.
 */
export function deploymentWindow(env: PolicyEnv): DailyWindow {
  const configured = parseWindow(env.CALLING_HOURS);
  return (configured && intersectWindows(FEDERAL_CALLING_HOURS, configured)) ?? FEDERAL_CALLING_HOURS;
}

/** Local development's around-the-clock window, which the policy engine grants simulator contacts only. */
export function devWideWindow(env: PolicyEnv): boolean {
  return env.DEV_WIDE_CALLING_WINDOW === "true";
}

/** 510 → "08:30"; 1440 → "24:00". */
export function clockOf(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}
