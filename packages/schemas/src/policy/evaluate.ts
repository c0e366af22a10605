import { type DeferRule, deferRulesFor, hoursRulesFor } from "./defers";
import type { HoursInput, PolicyInput } from "./inputs";
import { DEFER_REASONS, type DeferReason, type PolicyDecision } from "./reasons";
import { refusalsFor } from "./refusals";
import { callingWindows } from "./windows";

/**
 * Enough rounds for any input: caps, once passed, stay passed (history only ages), so after the
 * latest cap clears, one more round lands on the next window opening and a last one confirms it.
 */
const MAX_ROUNDS = 8;

/**
 * Whether a call or text may go now. Refusals come first (see `REFUSE_REASONS` for their order);
 * otherwise every rule that makes the attempt wait is asked for its earliest passing instant, the
 * latest of those becomes the candidate, and all rules are asked again at the candidate until none
 * moves it. `reason` is the rule that set the final instant; `reasons` every rule that deferred.
 */
export function evaluateContactPolicy(input: PolicyInput): PolicyDecision {
  const refusals = refusalsFor(input);
  if (refusals.length > 0) return { kind: "refuse", reason: refusals[0]!, reasons: refusals };
  return settle(deferRulesFor(input), input.now);
}

/**
 * The calling hours alone (federal, tenant, state), for whoever must place contacts in time
 * without the patient's history at hand: the tenant's dispatcher orders its queue by it, and a
 * dry run estimates when a batch finishes. Refuses only with `no_calling_window`; a full
 * `evaluateContactPolicy` must still pass before the contact is made.
 */
export function evaluateCallingHours(input: HoursInput): PolicyDecision {
  if (callingWindows(input).kind === "never") return { kind: "refuse", reason: "no_calling_window", reasons: ["no_calling_window"] };
  return settle(hoursRulesFor(input), input.now);
}

/** Moves the candidate from `now` to the latest instant any rule asks for, until no rule moves it. */
function settle(rules: DeferRule[], now: number): PolicyDecision {
  const deferred = new Set<DeferReason>();
  let until = now;
  let binding: DeferReason | null = null;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = latestPass(rules, until, deferred);
    if (next === null) break;
    until = next.at;
    binding = next.reason;
  }
  // Should the rounds run out, `until` is still no earlier than every rule's last answer; callers
  // evaluate again when it comes, so an unconverged answer delays a contact but never allows one.
  if (binding === null) return { kind: "allow", reasons: [] };
  return { kind: "defer", until, reason: binding, reasons: DEFER_REASONS.filter((reason) => deferred.has(reason)) };
}

/** The rule that pushes `at` furthest, or null if all pass at `at`. */
function latestPass(rules: DeferRule[], at: number, deferred: Set<DeferReason>): { at: number; reason: DeferReason } | null {
  let latest: { at: number; reason: DeferReason } | null = null;
  for (const rule of rules) {
    const pass = rule.earliestPass(at);
    if (pass <= at) continue;
    deferred.add(rule.reason);
    if (!latest || pass > latest.at) latest = { at: pass, reason: rule.reason };
  }
  return latest;
}

/** When the attempt may go: `now` if allowed, the defer's instant, or null if refused. */
export function nextAllowedAt(input: PolicyInput): number | null {
  const decision = evaluateContactPolicy(input);
  if (decision.kind === "refuse") return null;
  return decision.kind === "defer" ? decision.until : input.now;
}
