import { describe, expect, it } from "vitest";
import { clockMinutes, FEDERAL_CALLING_HOURS } from "../../src/policy/hours";
import { STATE_RULES, stateRuleFor, type StateRule } from "../../src/policy/state-rules";
import { US_STATE_CODES, UsStateCode } from "../../src/policy/us-states";

const table = Object.entries(STATE_RULES) as [string, StateRule][];

describe("the state table", () => {
  it.each(table)("%s is a USPS code with a citation, hours inside the federal window and a positive cap", (code, rule) => {
    expect(US_STATE_CODES).toContain(code);
    expect(rule.citation.trim().length).toBeGreaterThan(5);
    if (rule.hours) {
      expect(rule.hours.start).toBeGreaterThanOrEqual(FEDERAL_CALLING_HOURS.start);
      expect(rule.hours.end).toBeLessThanOrEqual(FEDERAL_CALLING_HOURS.end);
      expect(rule.hours.start).toBeLessThan(rule.hours.end);
    }
    if (rule.sameSubjectPer24h !== undefined) expect(rule.sameSubjectPer24h).toBeGreaterThanOrEqual(1);
  });
});

describe("stateRuleFor", () => {
  it.each(["FL", "OK"] as const)("%s: 08:00-20:00 and 3 contacts on one subject per 24 hours", (state) => {
    const rule = stateRuleFor(state);
    expect(rule.hours).toEqual({ start: clockMinutes("08:00"), end: clockMinutes("20:00") });
    expect(rule.sameSubjectPer24h).toBe(3);
    expect(rule.citations).toEqual([STATE_RULES[state].citation]);
  });

  it("a state without an entry adds nothing", () => {
    expect(stateRuleFor("TX")).toEqual({ hours: null, sameSubjectPer24h: null, citations: [] });
  });

  it("an unknown state gets the strictest of the table: latest start, earliest end, lowest cap", () => {
    const rules = table.map(([, rule]) => rule);
    const starts = rules.flatMap((r) => (r.hours ? [r.hours.start] : []));
    const ends = rules.flatMap((r) => (r.hours ? [r.hours.end] : []));
    const caps = rules.flatMap((r) => (r.sameSubjectPer24h ? [r.sameSubjectPer24h] : []));
    const rule = stateRuleFor(null);
    expect(rule.hours).toEqual({ start: Math.max(...starts), end: Math.min(...ends) });
    expect(rule.sameSubjectPer24h).toBe(Math.min(...caps));
    expect(rule.citations).toHaveLength(table.length);
    for (const [, each] of table) {
      if (each.hours) expect(rule.hours!.start >= each.hours.start && rule.hours!.end <= each.hours.end).toBe(true);
    }
  });
});

describe("UsStateCode", () => {
  it("accepts USPS codes, including DC and territories", () => {
    for (const code of ["FL", "OK", "DC", "PR"]) expect(UsStateCode.safeParse(code).success).toBe(true);
  });

  it.each(["XX", "fl", "Florida", "", "F"])("rejects %j with a message naming the format", (code) => {
    const result = UsStateCode.safeParse(code);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toMatch(/two-letter USPS code/);
  });
});
