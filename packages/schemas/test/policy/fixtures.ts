import type { PolicyInput, RecentContact } from "../../src/policy";
import { at } from "./time";

export { at, DAY, HOUR, MINUTE, wallClock } from "./time";

/** Wednesday 2026-06-10 12:00 in New York (EDT, UTC-4): inside every window. */
export const NOON_NY = at("2026-06-10T12:00:00-04:00");

/** A call from a real vendor for an appointment reminder, allowed as it stands; tests change one thing. */
export function attempt(overrides: Partial<PolicyInput> = {}): PolicyInput {
  return {
    now: NOON_NY,
    attempt: { channel: "call" },
    purpose: "appointment_reminder",
    provider: "retell",
    patient: { timeZone: "America/New_York", state: "NY" },
    tenant: { timeZone: "America/New_York", policy: {} },
    consent: { optedOut: false, records: [] },
    onDoNotCallList: false,
    recentContacts: [],
    ...overrides,
  };
}

export const writtenConsent = (scope: ("calls" | "texts")[] = ["calls", "texts"], given = at("2026-01-05T10:00:00-05:00")) => ({
  basis: "prior_express_written_consent" as const,
  source: "intake_form",
  at: given,
  evidence: "form-8812, signed",
  scope,
});

export const contact = (when: number, fields: Partial<RecentContact> = {}): RecentContact => ({
  at: when,
  channel: "call",
  purpose: "appointment_reminder",
  ...fields,
});

/** Deterministic pseudo-random numbers in [0, 1) for property tests (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
