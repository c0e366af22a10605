import { type DailyWindow, intersectWindows } from "./hours";
import type { HoursInput } from "./inputs";
import { stateRuleFor } from "./state-rules";
import { tenantCallingWindow } from "./tenant";

/**
 * The local hours an attempt must fall in. `legal` is the federal window narrowed by the tenant;
 * `state` is the patient's state's window, kept apart so a defer can name the rule that binds.
 */
export type CallingWindows =
  | { kind: "any_time" }
  | { kind: "never" }
  | { kind: "daily"; legal: DailyWindow; state: DailyWindow | null };

export function callingWindows(input: HoursInput): CallingWindows {
  // The dev window widens hours for the simulator only: it calls no one. A real vendor reaches a
  // real phone, so it always gets the legal hours, whatever the flag says.
  if (input.devWideWindow && input.provider === "simulator") return { kind: "any_time" };
  const legal = tenantCallingWindow(input.tenant.policy);
  const state = stateRuleFor(input.patient.state).hours;
  if (!legal || (state && !intersectWindows(legal, state))) return { kind: "never" };
  return { kind: "daily", legal, state };
}
