import { earliestUnderCap, EXEMPT_CAPS, WEEK_MS } from "./caps";
import { subjectOf } from "./contacts";
import { nextWindowOpening } from "./hours";
import { patientTimeZone, type HoursInput, type PolicyInput } from "./inputs";
import { isExemptPurpose } from "./purposes";
import type { DeferReason } from "./reasons";
import { stateRuleFor } from "./state-rules";
import { callingWindows } from "./windows";
import { DAY_MS } from "./zone-time";

/** A rule that can make an attempt wait: the earliest instant at or after `at` at which it passes. */
export interface DeferRule {
  reason: DeferReason;
  earliestPass(at: number): number;
}

/** The rules that apply to this attempt, in the order of `DEFER_REASONS` (ties go to the first). */
export function deferRulesFor(input: PolicyInput): DeferRule[] {
  const rules = hoursRulesFor(input);

  const caps = input.tenant.policy.caps ?? {};
  const stateCap = stateRuleFor(input.patient.state).sameSubjectPer24h;
  if (stateCap !== null) {
    const max = Math.min(stateCap, caps.sameSubjectPer24h ?? stateCap);
    const subject = subjectOf(input);
    const times = input.recentContacts.filter((c) => subjectOf(c) === subject).map((c) => c.at);
    rules.push({ reason: "state_frequency_cap", earliestPass: (at) => earliestUnderCap(times, max, DAY_MS, at) });
  }

  // Only contacts made under the exemption count toward its caps; calls and texts together.
  if (isExemptPurpose(input.purpose)) {
    const times = input.recentContacts.filter((c) => isExemptPurpose(c.purpose)).map((c) => c.at);
    const perDay = Math.min(EXEMPT_CAPS.perDay, caps.exemptPerDay ?? EXEMPT_CAPS.perDay);
    const perWeek = Math.min(EXEMPT_CAPS.perWeek, caps.exemptPerWeek ?? EXEMPT_CAPS.perWeek);
    rules.push({ reason: "daily_cap", earliestPass: (at) => earliestUnderCap(times, perDay, DAY_MS, at) });
    rules.push({ reason: "weekly_cap", earliestPass: (at) => earliestUnderCap(times, perWeek, WEEK_MS, at) });
  }
  return rules;
}

/** The hours rules alone: federal hours (narrowed by the tenant), then the state's. None when any hour will do. */
export function hoursRulesFor(input: HoursInput): DeferRule[] {
  const rules: DeferRule[] = [];
  const zone = patientTimeZone(input);
  const windows = callingWindows(input);
  if (windows.kind === "daily") {
    const { legal, state } = windows;
    rules.push({ reason: "outside_calling_hours", earliestPass: (at) => nextWindowOpening(at, zone, legal) });
    if (state) rules.push({ reason: "state_quiet_hours", earliestPass: (at) => nextWindowOpening(at, zone, state) });
  }
  return rules;
}
