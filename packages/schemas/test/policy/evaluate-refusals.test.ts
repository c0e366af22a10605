import { describe, expect, it } from "vitest";
import { evaluateContactPolicy, nextAllowedAt, REFUSE_REASONS, type PolicyInput } from "../../src/policy";
import { at, attempt, NOON_NY, writtenConsent } from "./fixtures";

const decide = (overrides: Partial<PolicyInput>) => evaluateContactPolicy(attempt(overrides));

/** Every refusal at once, each removable on its own. */
const causes = {
  opted_out: { consent: { optedOut: true, records: [] } },
  number_on_dnc: { onDoNotCallList: true },
  no_consent: { purpose: "marketing" },
  purpose_not_allowed: { tenant: { timeZone: "America/New_York", policy: { allowedPurposes: ["lab_results"] } } },
  message_too_long: { attempt: { channel: "sms", body: "x".repeat(161) } },
  no_calling_window: {
    patient: { timeZone: "America/New_York", state: "FL" },
    tenant: { timeZone: "America/New_York", policy: { callingHours: { start: "20:00", end: "21:00" } } },
  },
} satisfies Record<(typeof REFUSE_REASONS)[number], Partial<PolicyInput>>;

describe("refusals", () => {
  it("the baseline attempt is allowed", () => {
    expect(decide({})).toEqual({ kind: "allow", reasons: [] });
  });

  it.each(REFUSE_REASONS)("%s alone refuses", (reason) => {
    expect(decide(causes[reason] as Partial<PolicyInput>)).toEqual({ kind: "refuse", reason, reasons: [reason] });
  });

  it("refusals are reported in precedence order, the first one binding", () => {
    // An exempt text that is too long, from a tenant that lists only marketing: all but no_consent.
    const tenantPolicy = { allowedPurposes: ["marketing" as const], callingHours: { start: "20:00", end: "21:00" } };
    const allButConsent = decide({
      ...causes.opted_out,
      ...causes.number_on_dnc,
      ...causes.message_too_long,
      patient: { timeZone: "America/New_York", state: "FL" },
      tenant: { timeZone: "America/New_York", policy: tenantPolicy },
    });
    const expected = REFUSE_REASONS.filter((r) => r !== "no_consent");
    expect(allButConsent).toEqual({ kind: "refuse", reason: expected[0], reasons: expected });
    // Marketing without consent: message length is not limited for non-exempt texts.
    const allButLength = decide({
      ...causes.opted_out,
      ...causes.number_on_dnc,
      purpose: "marketing",
      patient: { timeZone: "America/New_York", state: "FL" },
      tenant: { timeZone: "America/New_York", policy: { ...tenantPolicy, allowedPurposes: ["lab_results"] } },
    });
    expect(allButLength).toMatchObject({ reasons: REFUSE_REASONS.filter((r) => r !== "message_too_long") });
  });

  it("each refusal outranks those after it", () => {
    const orderedPairs = REFUSE_REASONS.flatMap((first, i) => REFUSE_REASONS.slice(i + 1).map((second) => [first, second] as const));
    for (const [first, second] of orderedPairs) {
      // Marketing (no consent) is not length-limited; both of the tenant's settings share one key.
      if (first === "no_consent" && second === "message_too_long") continue;
      const both = { ...causes[second], ...causes[first] } as Partial<PolicyInput>;
      if (first === "purpose_not_allowed" && second === "no_calling_window")
        both.tenant = { timeZone: "America/New_York", policy: { allowedPurposes: ["lab_results"], callingHours: { start: "20:00", end: "21:00" } } };
      const decision = decide(both);
      expect(decision.kind === "refuse" && decision.reasons, `${first} and ${second}`).toEqual([first, second]);
      expect(decision.kind === "refuse" && decision.reason, `${first} over ${second}`).toBe(first);
    }
  });

  it("a refusal wins over any defer (opted out, at 23:00, over the cap)", () => {
    const decision = decide({ ...causes.opted_out, now: at("2026-06-10T23:00:00-04:00"), recentContacts: [{ at: NOON_NY - 1, channel: "sms", purpose: "lab_results" }] });
    expect(decision).toEqual({ kind: "refuse", reason: "opted_out", reasons: ["opted_out"] });
    expect(nextAllowedAt(attempt({ ...causes.opted_out }))).toBeNull();
  });

  it("an opt-out covers exempt purposes and both channels", () => {
    for (const channel of [{ channel: "call" as const }, { channel: "sms" as const, body: "Your appointment is tomorrow at 9." }]) {
      expect(decide({ ...causes.opted_out, attempt: channel }).kind).toBe("refuse");
    }
  });
});

describe("consent", () => {
  it.each(["billing", "other"] as const)("%s is not exempt: refused without consent, allowed with prior express consent", (purpose) => {
    expect(decide({ purpose })).toMatchObject({ kind: "refuse", reason: "no_consent" });
    const records = [{ ...writtenConsent(["calls"]), basis: "prior_express_consent" as const }];
    expect(decide({ purpose, consent: { optedOut: false, records } })).toEqual({ kind: "allow", reasons: [] });
  });

  it("marketing needs consent in writing", () => {
    const plain = [{ ...writtenConsent(), basis: "prior_express_consent" as const }];
    expect(decide({ purpose: "marketing", consent: { optedOut: false, records: plain } })).toMatchObject({ reason: "no_consent" });
    expect(decide({ purpose: "marketing", consent: { optedOut: false, records: [writtenConsent()] } }).kind).toBe("allow");
  });

  it("consent counts only for its channel", () => {
    const callsOnly = { optedOut: false, records: [writtenConsent(["calls"])] };
    expect(decide({ purpose: "marketing", consent: callsOnly }).kind).toBe("allow");
    expect(decide({ purpose: "marketing", consent: callsOnly, attempt: { channel: "sms", body: "Sale!" } })).toMatchObject({ reason: "no_consent" });
  });

  it("consent given after the attempt does not count", () => {
    const later = { optedOut: false, records: [writtenConsent(["calls"], NOON_NY + 1)] };
    expect(decide({ purpose: "marketing", consent: later })).toMatchObject({ reason: "no_consent" });
  });

  it("exempt purposes need no consent record", () => {
    expect(decide({ purpose: "lab_results" }).kind).toBe("allow");
  });
});

describe("purpose_not_allowed", () => {
  it("the tenant's list and the agent's list both limit purposes", () => {
    const tenant = { timeZone: "America/New_York", policy: { allowedPurposes: ["appointment_reminder" as const, "lab_results" as const] } };
    expect(decide({ tenant }).kind).toBe("allow");
    expect(decide({ tenant, purpose: "wellness_check" })).toMatchObject({ reason: "purpose_not_allowed" });
    expect(decide({ agentPurposes: ["lab_results"] })).toMatchObject({ reason: "purpose_not_allowed" });
    expect(decide({ agentPurposes: ["lab_results", "appointment_reminder"] }).kind).toBe("allow");
  });
});

describe("message_too_long", () => {
  it("an exempt text may be 160 characters, not 161", () => {
    expect(decide({ attempt: { channel: "sms", body: "a".repeat(160) } }).kind).toBe("allow");
    expect(decide({ attempt: { channel: "sms", body: "a".repeat(161) } })).toEqual({ kind: "refuse", reason: "message_too_long", reasons: ["message_too_long"] });
  });

  it("counts characters, not UTF-16 units", () => {
    expect(decide({ attempt: { channel: "sms", body: "🩺".repeat(160) } }).kind).toBe("allow");
  });

  it("does not limit texts sent with consent for a non-exempt purpose", () => {
    const consent = { optedOut: false, records: [writtenConsent()] };
    expect(decide({ purpose: "billing", consent, attempt: { channel: "sms", body: "b".repeat(400) } }).kind).toBe("allow");
  });
});

describe("no_calling_window", () => {
  it("tenant hours that miss the state's hours leave no time to call", () => {
    const tenant = { timeZone: "America/New_York", policy: { callingHours: { start: "20:00", end: "21:00" } } };
    expect(decide({ tenant, patient: { timeZone: "America/New_York", state: "FL" } })).toMatchObject({ kind: "refuse", reason: "no_calling_window" });
    expect(decide({ tenant, patient: { timeZone: "America/New_York", state: "TX" } }).kind).not.toBe("refuse");
  });
});
