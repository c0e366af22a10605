import { describe, expect, it } from "vitest";
import { evaluateCallingHours, evaluateContactPolicy, type PolicyInput } from "../../src/policy";
import { at, attempt, contact, DAY, HOUR, MINUTE, seeded } from "./fixtures";

// The hours alone: what the dispatcher orders its queue by and the dry run estimates with.

describe("evaluateCallingHours", () => {
  it("defers at night to the federal opening in the patient's zone", () => {
    const now = at("2026-06-10T22:00:00-05:00");
    expect(evaluateCallingHours(attempt({ now, patient: { timeZone: "America/Chicago", state: "TX" } }))).toEqual({
      kind: "defer",
      until: at("2026-06-11T08:00:00-05:00"),
      reason: "outside_calling_hours",
      reasons: ["outside_calling_hours"],
    });
  });

  it("applies the state's quiet hours, and the strictest state's when the state is unknown", () => {
    const now = at("2026-06-10T20:30:00-04:00");
    expect(evaluateCallingHours(attempt({ now, patient: { timeZone: "America/New_York", state: "NY" } })).kind).toBe("allow");
    for (const state of ["FL", null] as const) {
      expect(evaluateCallingHours(attempt({ now, patient: { timeZone: "America/New_York", state } }))).toMatchObject({
        kind: "defer",
        until: at("2026-06-11T08:00:00-04:00"),
        // 20:30 is inside the federal window: the state alone defers.
        reason: "state_quiet_hours",
        reasons: ["state_quiet_hours"],
      });
    }
  });

  it("ignores caps and refusals: those need the history, which the full evaluation has", () => {
    const input = attempt({ recentContacts: [contact(at("2026-06-10T09:00:00-04:00"))], consent: { optedOut: true, records: [] } });
    expect(evaluateCallingHours(input).kind).toBe("allow");
    expect(evaluateContactPolicy(input).kind).toBe("refuse");
  });

  it("refuses only when the tenant's hours and the state's share no time", () => {
    const tenant = { timeZone: "America/New_York", policy: { callingHours: { start: "20:00", end: "21:00" } } };
    expect(evaluateCallingHours(attempt({ tenant, patient: { timeZone: "America/New_York", state: "OK" } }))).toEqual({
      kind: "refuse",
      reason: "no_calling_window",
      reasons: ["no_calling_window"],
    });
  });

  it("opens around the clock for the simulator with the dev window, never for a vendor", () => {
    const now = at("2026-06-10T02:00:00-10:00");
    const patient = { timeZone: "America/Adak", state: null };
    expect(evaluateCallingHours(attempt({ now, patient, provider: "simulator", devWideWindow: true })).kind).toBe("allow");
    expect(evaluateCallingHours(attempt({ now, patient, provider: "retell", devWideWindow: true }))).toMatchObject({ kind: "defer", reason: "outside_calling_hours" });
    expect(evaluateCallingHours(attempt({ now, patient, provider: "simulator" })).kind).toBe("defer");
  });

  it("agrees with the full evaluation whenever neither caps nor refusals apply (any zone, state, hour)", () => {
    const random = seeded(12);
    const zones = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Adak", "Pacific/Honolulu"];
    const states = ["FL", "OK", "MD", "WA", "NY", "TX", null] as const;
    const start = at("2026-03-01T00:00:00Z");
    for (let i = 0; i < 400; i++) {
      const input: PolicyInput = attempt({
        now: start + Math.floor(random() * 300 * DAY) + Math.floor(random() * 60) * MINUTE,
        patient: { timeZone: zones[Math.floor(random() * zones.length)]!, state: states[Math.floor(random() * states.length)]! },
      });
      expect(evaluateCallingHours(input), JSON.stringify(input)).toEqual(evaluateContactPolicy(input));
    }
  });

  it("when it allows, the full evaluation may still defer for a cap, never to an earlier time", () => {
    const now = at("2026-06-10T12:00:00-04:00");
    const input = attempt({ now, recentContacts: [contact(now - 2 * HOUR)] });
    expect(evaluateCallingHours(input).kind).toBe("allow");
    expect(evaluateContactPolicy(input)).toMatchObject({ kind: "defer", reason: "daily_cap", until: now - 2 * HOUR + DAY });
  });
});
