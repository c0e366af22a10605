import { describe, expect, it } from "vitest";
import { ConsentRecord } from "../../src/policy/consent";
import { TenantContactPolicy } from "../../src/policy/tenant";

const issues = (input: unknown, schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string; path: PropertyKey[] }[] } } } = TenantContactPolicy) => {
  const result = schema.safeParse(input);
  return result.success ? [] : result.error!.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};

describe("TenantContactPolicy", () => {
  it("accepts narrower hours and lower caps", () => {
    expect(issues({ callingHours: { start: "09:00", end: "17:30" }, caps: { exemptPerDay: 1, exemptPerWeek: 2, sameSubjectPer24h: 1 } })).toEqual([]);
    expect(issues({ callingHours: { start: "08:00", end: "21:00" } })).toEqual([]);
    expect(issues({})).toEqual([]);
  });

  it("rejects hours that widen the federal window, saying why", () => {
    expect(issues({ callingHours: { start: "07:30", end: "20:00" } })).toEqual([expect.stringMatching(/^callingHours\.start: .*no earlier than 08:00.*narrowed, not widened/)]);
    expect(issues({ callingHours: { start: "09:00", end: "21:30" } })).toEqual([expect.stringMatching(/^callingHours\.end: .*no later than 21:00/)]);
  });

  it("rejects empty or malformed hours", () => {
    expect(issues({ callingHours: { start: "12:00", end: "12:00" } })).toEqual([expect.stringMatching(/end after they start/)]);
    expect(issues({ callingHours: { start: "9:00", end: "17:00" } })).toEqual([expect.stringMatching(/^callingHours\.start: must be a time of day as HH:MM/)]);
    expect(issues({ callingHours: { start: "09:00", end: "24:00" } })).not.toEqual([]);
  });

  it.each([
    [{ exemptPerDay: 2 }, /exemptPerDay can be at most 1/],
    [{ exemptPerWeek: 4 }, /exemptPerWeek can be at most 3/],
    [{ sameSubjectPer24h: 4 }, /sameSubjectPer24h can be at most 3/],
    [{ exemptPerWeek: 0 }, /at least 1/],
    [{ exemptPerWeek: 1.5 }, /whole number/],
  ])("rejects loosening or meaningless caps %j", (caps, message) => {
    expect(issues({ caps })).toEqual([expect.stringMatching(message)]);
  });

  it("rejects unknown settings rather than ignoring them", () => {
    expect(issues({ caps: { perDay: 1 } })).not.toEqual([]);
    expect(issues({ quietHours: "22:00-07:00" })).not.toEqual([]);
  });

  it("rejects unknown purposes", () => {
    expect(issues({ allowedPurposes: ["appointment_reminder", "sales"] })).toEqual([expect.stringMatching(/^allowedPurposes\.1: purpose must be one of/)]);
    expect(issues({ allowedPurposes: [] })).toEqual([expect.stringMatching(/at least one purpose/)]);
  });
});

describe("ConsentRecord", () => {
  const record = { basis: "prior_express_consent", source: "intake_form", at: 1_767_600_000_000, evidence: "form 12", scope: ["calls"] };

  it("accepts a complete record", () => expect(issues(record, ConsentRecord)).toEqual([]));

  it.each([
    [{ basis: "implied" }, /basis must be one of/],
    [{ scope: [] }, /scope must name calls, texts or both/],
    [{ scope: ["calls", "calls"] }, /must not repeat/],
    [{ scope: ["email"] }, /calls or texts/],
    [{ evidence: " " }, /evidence is required/],
  ])("rejects %j", (change, message) => {
    expect(issues({ ...record, ...change }, ConsentRecord)).toEqual([expect.stringMatching(message)]);
  });
});
