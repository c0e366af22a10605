import { describe, expect, it } from "vitest";
import { evaluateContactPolicy, PURPOSES, type PolicyInput, type UsStateCode } from "../../src/policy";
import { at, attempt, contact, DAY, HOUR, MINUTE, seeded, wallClock, writtenConsent } from "./fixtures";

const decide = (overrides: Partial<PolicyInput>) => evaluateContactPolicy(attempt(overrides));

describe("combined defers: the earliest instant at which every rule passes", () => {
  it("a cap that frees at 21:30 moves on to the next morning's opening", () => {
    const last = at("2026-06-09T21:30:00-04:00");
    const decision = decide({ recentContacts: [contact(last)], now: at("2026-06-10T12:00:00-04:00") });
    expect(decision).toEqual({ kind: "defer", until: at("2026-06-11T08:00:00-04:00"), reason: "outside_calling_hours", reasons: ["outside_calling_hours", "daily_cap"] });
  });

  it("a cap that frees at 20:45 inside the window is the answer itself", () => {
    const last = at("2026-06-09T20:45:00-04:00");
    expect(decide({ recentContacts: [contact(last)] })).toMatchObject({ until: last + DAY, reason: "daily_cap", reasons: ["daily_cap"] });
  });

  it("hours first, then a cap that is still binding at the opening", () => {
    // 22:00: the window opens at 08:00, but the last contact was at 09:15 yesterday.
    const last = at("2026-06-10T09:15:00-04:00");
    const decision = decide({ recentContacts: [contact(last)], now: at("2026-06-10T22:00:00-04:00") });
    expect(decision).toEqual({ kind: "defer", until: at("2026-06-11T09:15:00-04:00"), reason: "daily_cap", reasons: ["outside_calling_hours", "daily_cap"] });
  });

  it("in Florida, a cap that frees at 20:30 waits for the state's 08:00", () => {
    const t0 = at("2026-06-09T20:30:00-04:00");
    const history = [t0, t0 + MINUTE, t0 + 2 * MINUTE].map((t) => contact(t, { purpose: "billing" }));
    const consent = { optedOut: false, records: [writtenConsent()] };
    const decision = decide({ purpose: "billing", consent, recentContacts: history, patient: { timeZone: "America/New_York", state: "FL" } });
    expect(decision).toEqual({ kind: "defer", until: at("2026-06-11T08:00:00-04:00"), reason: "state_quiet_hours", reasons: ["state_quiet_hours", "state_frequency_cap"] });
  });

  it("across the spring-forward night, 24 hours after 07:30 EST is 08:30 EDT, after the 08:00 opening", () => {
    const last = at("2026-03-07T07:30:00-05:00");
    const decision = decide({ recentContacts: [contact(last)], now: at("2026-03-07T23:00:00-05:00") });
    expect(decision).toEqual({ kind: "defer", until: last + DAY, reason: "daily_cap", reasons: ["outside_calling_hours", "daily_cap"] });
    expect(wallClock(last + DAY, "America/New_York")).toBe("2026-03-08 08:30");
  });

  it("property: the answer is allowed, and one millisecond earlier is not", () => {
    const random = seeded(20260308);
    const zones = ["America/New_York", "America/Adak", "Pacific/Honolulu", "America/Los_Angeles", "Australia/Lord_Howe"];
    const states: (UsStateCode | null)[] = ["FL", "OK", "MD", "WA", "TX", null];
    const start = at("2026-03-01T00:00:00Z");
    let deferred = 0;
    for (let i = 0; i < 300; i++) {
      const now = start + Math.floor(random() * 280 * DAY);
      const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
      const history = Array.from({ length: Math.floor(random() * 6) }, () =>
        contact(now - Math.floor(random() * 7 * DAY), { purpose: pick(PURPOSES), channel: random() < 0.5 ? "call" : "sms" }),
      );
      const input = attempt({
        now,
        purpose: pick(["appointment_reminder", "lab_results", "billing"] as const),
        consent: { optedOut: false, records: [writtenConsent(["calls", "texts"], start - DAY)] },
        patient: { timeZone: pick(zones), state: pick(states) },
        recentContacts: history,
      });
      const decision = evaluateContactPolicy(input);
      expect(decision.kind).not.toBe("refuse");
      if (decision.kind !== "defer") continue;
      deferred++;
      expect(decision.until).toBeGreaterThan(now);
      expect(evaluateContactPolicy({ ...input, now: decision.until }), wallClock(decision.until, input.patient.timeZone!)).toEqual({ kind: "allow", reasons: [] });
      expect(evaluateContactPolicy({ ...input, now: decision.until - 1 }).kind).toBe("defer");
      expect(decision.reasons).toContain(decision.reason);
    }
    expect(deferred).toBeGreaterThan(50);
  });

  it("defers never reach past a week and a day for valid settings", () => {
    const now = at("2026-06-10T22:00:00-04:00");
    const history = [now - 6 * DAY, now - 5 * DAY, now - HOUR].map((t) => contact(t));
    const decision = decide({ recentContacts: history, now, patient: { timeZone: "America/New_York", state: null } });
    expect(decision.kind === "defer" && decision.until - now).toBeLessThanOrEqual(8 * DAY);
  });
});
