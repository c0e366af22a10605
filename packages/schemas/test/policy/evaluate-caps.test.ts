import { describe, expect, it } from "vitest";
import { evaluateContactPolicy, type PolicyInput, type RecentContact } from "../../src/policy";
import { at, attempt, contact, DAY, HOUR, MINUTE, NOON_NY, writtenConsent } from "./fixtures";

const decide = (overrides: Partial<PolicyInput>) => evaluateContactPolicy(attempt(overrides));

/** Billing with consent: not exempt, so only the state's same-subject cap counts contacts. */
const billing = (state: PolicyInput["patient"]["state"], recentContacts: RecentContact[], more: Partial<PolicyInput> = {}) =>
  attempt({
    purpose: "billing",
    consent: { optedOut: false, records: [writtenConsent()] },
    patient: { timeZone: "America/New_York", state },
    recentContacts,
    ...more,
  });

describe("state same-subject cap (3 in 24 hours)", () => {
  const times = [NOON_NY - 20 * HOUR, NOON_NY - 6 * HOUR, NOON_NY - HOUR];

  it.each(["FL", "OK"] as const)("%s: 2 contacts allow a 3rd; 3 defer the 4th until the oldest is 24 hours old", (state) => {
    const two = times.slice(1).map((t) => contact(t, { purpose: "billing" }));
    expect(evaluateContactPolicy(billing(state, two)).kind).toBe("allow");

    const three = times.map((t) => contact(t, { purpose: "billing" }));
    const until = times[0]! + 24 * HOUR;
    expect(evaluateContactPolicy(billing(state, three))).toEqual({ kind: "defer", until, reason: "state_frequency_cap", reasons: ["state_frequency_cap"] });
    expect(evaluateContactPolicy(billing(state, three, { now: until - 1 })).kind).toBe("defer");
    expect(evaluateContactPolicy(billing(state, three, { now: until })).kind).toBe("allow");
  });

  it("texts count with calls", () => {
    const mixed = times.map((t, i) => contact(t, { purpose: "billing", channel: i % 2 ? "sms" : "call" }));
    expect(evaluateContactPolicy(billing("FL", mixed))).toMatchObject({ reason: "state_frequency_cap" });
  });

  it("only the same subject counts; without a subject the purpose is the subject", () => {
    const other = times.map((t) => contact(t, { purpose: "billing", subject: "invoice:7" }));
    expect(evaluateContactPolicy(billing("FL", other)).kind).toBe("allow");
    expect(evaluateContactPolicy(billing("FL", other, { subject: "invoice:7" }))).toMatchObject({ reason: "state_frequency_cap" });
    const differentPurpose = times.map((t) => contact(t, { purpose: "marketing" }));
    expect(evaluateContactPolicy(billing("FL", differentPurpose)).kind).toBe("allow");
  });

  it("states without a cap and an unknown state", () => {
    const three = times.map((t) => contact(t, { purpose: "billing" }));
    expect(evaluateContactPolicy(billing("TX", three)).kind).toBe("allow");
    expect(evaluateContactPolicy(billing("WA", three)).kind).toBe("allow");
    expect(evaluateContactPolicy(billing(null, three))).toMatchObject({ reason: "state_frequency_cap" });
  });

  it("a tenant can lower the cap where a state sets one", () => {
    const two = [NOON_NY - 3 * HOUR, NOON_NY - HOUR].map((t) => contact(t, { purpose: "billing" }));
    const policy = { caps: { sameSubjectPer24h: 2 } };
    const decision = evaluateContactPolicy(billing("FL", two, { tenant: { timeZone: "America/New_York", policy } }));
    expect(decision).toMatchObject({ kind: "defer", until: NOON_NY - 3 * HOUR + 24 * HOUR, reason: "state_frequency_cap" });
  });
});

describe("health-care exemption caps (1 a day, 3 a week, calls and texts together)", () => {
  it("one exempt contact 23 hours ago defers the next until 24 hours have passed", () => {
    const earlier = NOON_NY - 23 * HOUR;
    const decision = decide({ recentContacts: [contact(earlier, { channel: "sms", purpose: "lab_results" })] });
    expect(decision).toEqual({ kind: "defer", until: earlier + DAY, reason: "daily_cap", reasons: ["daily_cap"] });
    expect(decide({ now: earlier + DAY, recentContacts: [contact(earlier, { channel: "sms", purpose: "lab_results" })] }).kind).toBe("allow");
  });

  it("two in the week allow a third; three defer the fourth until the oldest is 7 days old", () => {
    const week = [NOON_NY - 6 * DAY, NOON_NY - 4 * DAY, NOON_NY - 2 * DAY];
    const mixed = week.map((t, i) => contact(t, { channel: i === 1 ? "sms" : "call", purpose: i === 2 ? "wellness_check" : "appointment_reminder" }));
    expect(decide({ recentContacts: mixed.slice(1) }).kind).toBe("allow");
    expect(decide({ recentContacts: mixed })).toEqual({ kind: "defer", until: week[0]! + 7 * DAY, reason: "weekly_cap", reasons: ["weekly_cap"] });
    expect(decide({ recentContacts: mixed, now: week[0]! + 7 * DAY - 1 }).kind).toBe("defer");
    expect(decide({ recentContacts: mixed, now: week[0]! + 7 * DAY }).kind).toBe("allow");
  });

  it("contacts for non-exempt purposes do not use up the exemption, and are not limited by it", () => {
    const consented = [NOON_NY - 3 * HOUR, NOON_NY - 2 * HOUR, NOON_NY - HOUR].map((t) => contact(t, { purpose: "billing" }));
    expect(decide({ recentContacts: consented }).kind).toBe("allow");
    const exempt = [contact(NOON_NY - HOUR, { purpose: "lab_results" })];
    expect(evaluateContactPolicy(billing("NY", exempt)).kind).toBe("allow");
  });

  it("a tenant can lower the weekly cap", () => {
    const two = [contact(NOON_NY - 3 * DAY), contact(NOON_NY - 2 * DAY, { channel: "sms" })];
    const tenant = { timeZone: "America/New_York", policy: { caps: { exemptPerWeek: 2 } } };
    expect(decide({ recentContacts: two, tenant })).toMatchObject({ reason: "weekly_cap", until: NOON_NY - 3 * DAY + 7 * DAY });
  });

  it("daily and weekly both bind: the later instant wins and both are reported", () => {
    const history = [NOON_NY - 5 * DAY, NOON_NY - 3 * DAY, NOON_NY - 10 * MINUTE].map((t) => contact(t));
    const decision = decide({ recentContacts: history });
    expect(decision).toEqual({ kind: "defer", until: NOON_NY - 5 * DAY + 7 * DAY, reason: "weekly_cap", reasons: ["daily_cap", "weekly_cap"] });
  });
});

it("the state cap and the exemption caps count in the same instant: a 4th contact defers until the latest", () => {
  // Three exempt reminders in FL: the state cap frees at t0+24h, the weekly cap at t0+7d.
  const t0 = at("2026-06-09T13:00:00-04:00");
  const history = [t0, t0 + HOUR, t0 + 2 * HOUR].map((t) => contact(t));
  const decision = decide({ recentContacts: history, patient: { timeZone: "America/New_York", state: "FL" }, now: t0 + 3 * HOUR });
  expect(decision).toMatchObject({ kind: "defer", until: t0 + 7 * DAY, reason: "weekly_cap" });
  expect(decision.reasons).toEqual(["state_frequency_cap", "daily_cap", "weekly_cap"]);
});
