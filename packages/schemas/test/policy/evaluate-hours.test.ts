import { describe, expect, it } from "vitest";
import { evaluateContactPolicy, nextAllowedAt, type PolicyInput } from "../../src/policy";
import { at, attempt, MINUTE, wallClock } from "./fixtures";

const decide = (overrides: Partial<PolicyInput>) => evaluateContactPolicy(attempt(overrides));
const nyPatient = (state: PolicyInput["patient"]["state"]) => ({ timeZone: "America/New_York", state });

describe("federal calling hours (47 CFR 64.1200(c)(1))", () => {
  it("defers a call at 07:59 until 08:00 sharp, and allows it then", () => {
    const opening = at("2026-06-10T08:00:00-04:00");
    expect(decide({ now: opening - MINUTE })).toEqual({ kind: "defer", until: opening, reason: "outside_calling_hours", reasons: ["outside_calling_hours"] });
    expect(decide({ now: opening }).kind).toBe("allow");
  });

  it("at 21:00 defers to 08:00 the next day; texts too", () => {
    const now = at("2026-06-10T21:00:00-04:00");
    const expected = at("2026-06-11T08:00:00-04:00");
    expect(nextAllowedAt(attempt({ now }))).toBe(expected);
    expect(nextAllowedAt(attempt({ now, attempt: { channel: "sms", body: "Reminder: lab visit tomorrow." } }))).toBe(expected);
  });

  it("uses the patient's zone, not the tenant's", () => {
    // 10:00 in New York is 07:00 in Los Angeles.
    const now = at("2026-06-10T10:00:00-04:00");
    const decision = decide({ now, patient: { timeZone: "America/Los_Angeles", state: "CA" } });
    expect(decision).toMatchObject({ kind: "defer", until: at("2026-06-10T08:00:00-07:00") });
  });

  it("falls back to the tenant's zone when the patient's is unknown", () => {
    const now = at("2026-06-10T10:00:00-04:00");
    const tenant = { timeZone: "America/Los_Angeles", policy: {} };
    expect(decide({ now, tenant, patient: { timeZone: null, state: "CA" } })).toMatchObject({ until: at("2026-06-10T08:00:00-07:00") });
    expect(decide({ now, tenant, patient: { timeZone: "America/New_York", state: "CA" } }).kind).toBe("allow");
  });

  it("on the spring-forward night, defers to 08:00 EDT, not 08:00 EST", () => {
    const decision = decide({ now: at("2026-03-08T01:00:00-05:00") });
    expect(decision).toMatchObject({ kind: "defer", until: at("2026-03-08T08:00:00-04:00") });
    expect(wallClock((decision as { until: number }).until, "America/New_York")).toBe("2026-03-08 08:00");
  });

  it("on the fall-back night, defers to 08:00 EST", () => {
    expect(decide({ now: at("2026-11-01T01:30:00-05:00") })).toMatchObject({ until: at("2026-11-01T08:00:00-05:00") });
  });
});

describe("tenant hours narrow the window", () => {
  const tenant = { timeZone: "America/New_York", policy: { callingHours: { start: "09:30", end: "17:00" } } };

  it("defers before the tenant's start and after its end", () => {
    expect(decide({ tenant, now: at("2026-06-10T09:00:00-04:00") })).toMatchObject({ until: at("2026-06-10T09:30:00-04:00"), reason: "outside_calling_hours" });
    expect(decide({ tenant, now: at("2026-06-10T17:00:00-04:00") })).toMatchObject({ until: at("2026-06-11T09:30:00-04:00") });
    expect(decide({ tenant, now: at("2026-06-10T16:59:00-04:00") }).kind).toBe("allow");
  });

  it("unvalidated hours wider than the law are clipped to the law", () => {
    const wide = { timeZone: "America/New_York", policy: { callingHours: { start: "06:00", end: "23:00" } } };
    expect(decide({ tenant: wide, now: at("2026-06-10T07:00:00-04:00") })).toMatchObject({ until: at("2026-06-10T08:00:00-04:00") });
  });
});

describe("state quiet hours", () => {
  it.each(["FL", "OK"] as const)("%s: 20:30 is deferred by the state rule alone until 08:00", (state) => {
    const decision = decide({ patient: nyPatient(state), now: at("2026-06-10T20:30:00-04:00") });
    expect(decision).toEqual({ kind: "defer", until: at("2026-06-11T08:00:00-04:00"), reason: "state_quiet_hours", reasons: ["state_quiet_hours"] });
  });

  it("at 22:00 both rules defer; the federal one is reported as binding", () => {
    const decision = decide({ patient: nyPatient("FL"), now: at("2026-06-10T22:00:00-04:00") });
    expect(decision).toEqual({ kind: "defer", until: at("2026-06-11T08:00:00-04:00"), reason: "outside_calling_hours", reasons: ["outside_calling_hours", "state_quiet_hours"] });
  });

  it("an unknown state gets the strictest hours", () => {
    expect(decide({ patient: nyPatient(null), now: at("2026-06-10T20:30:00-04:00") })).toMatchObject({ reason: "state_quiet_hours" });
    expect(decide({ patient: nyPatient("TX"), now: at("2026-06-10T20:30:00-04:00") }).kind).toBe("allow");
  });
});

describe("the dev wide window is for the simulator only", () => {
  const twoAm = at("2026-06-10T02:00:00-04:00");

  it("lets the simulator call at 02:00 with the flag", () => {
    expect(decide({ provider: "simulator", devWideWindow: true, now: twoAm, patient: nyPatient("FL") })).toEqual({ kind: "allow", reasons: [] });
  });

  it("without the flag the simulator keeps the legal hours", () => {
    expect(decide({ provider: "simulator", now: twoAm })).toMatchObject({ kind: "defer", reason: "outside_calling_hours" });
  });

  it("a Retell call to a patient in America/Adak at 02:00 local is deferred even with the flag", () => {
    const adak = "America/Adak";
    const now = at("2026-06-10T02:00:00-09:00");
    const decision = decide({ provider: "retell", devWideWindow: true, now, patient: { timeZone: adak, state: "AK" } });
    expect(decision).toEqual({ kind: "defer", until: at("2026-06-10T08:00:00-09:00"), reason: "outside_calling_hours", reasons: ["outside_calling_hours"] });
    expect(wallClock((decision as { until: number }).until, adak)).toBe("2026-06-10 08:00");
  });

  it.each(["livekit", "vocode", "voipbin", "twilio"] as const)("%s with the flag is deferred too", (provider) => {
    expect(decide({ provider, devWideWindow: true, now: twoAm }).kind).toBe("defer");
  });

  it("the flag widens hours only: the simulator is still capped and still refused", () => {
    const recent = [{ at: twoAm - 60 * MINUTE, channel: "call" as const, purpose: "lab_results" as const }];
    expect(decide({ provider: "simulator", devWideWindow: true, now: twoAm, recentContacts: recent })).toMatchObject({ kind: "defer", reason: "daily_cap" });
    expect(decide({ provider: "simulator", devWideWindow: true, now: twoAm, onDoNotCallList: true })).toMatchObject({ kind: "refuse" });
  });
});
