import { z } from "@hono/zod-openapi";

/**
 * Why an attempt is refused, in the order they are checked: the first that applies is reported.
 * A refusal is final for this attempt; retrying later will not help until the input changes.
 */
export const REFUSE_REASONS = [
  "opted_out",
  "number_on_dnc",
  "no_consent",
  "purpose_not_allowed",
  "message_too_long",
  "no_calling_window",
] as const;

/**
 * Why an attempt must wait. When several apply at once, the order breaks ties for the reported
 * (binding) reason: federal hours first, then state rules, then the exemption's caps.
 */
export const DEFER_REASONS = ["outside_calling_hours", "state_quiet_hours", "state_frequency_cap", "daily_cap", "weekly_cap"] as const;

export type RefuseReason = (typeof REFUSE_REASONS)[number];
export type DeferReason = (typeof DEFER_REASONS)[number];

export const ReasonCode = z.enum([...REFUSE_REASONS, ...DEFER_REASONS]).openapi("PolicyReasonCode");
export type ReasonCode = z.infer<typeof ReasonCode>;

/** One line per code, for docs and OpenAPI descriptions. */
export const REASON_CODES = {
  opted_out: "The patient revoked consent (STOP or any other reasonable means); no calls or texts.",
  number_on_dnc: "The number is on the tenant's do-not-call list.",
  no_consent: "The purpose is not covered by the health-care exemption and no prior express consent for this channel is on record.",
  purpose_not_allowed: "The tenant or the agent does not allow contacts for this purpose.",
  message_too_long: "A text sent under the health-care exemption must be 160 characters or fewer.",
  no_calling_window: "The tenant's hours and the patient's state rules leave no time of day to make contact.",
  outside_calling_hours: "Outside 08:00-21:00 at the patient's location (or the tenant's narrower hours).",
  state_quiet_hours: "Outside the hours the patient's state allows.",
  state_frequency_cap: "The state's limit of contacts on the same subject in 24 hours is reached.",
  daily_cap: "The health-care exemption allows one contact per patient per day.",
  weekly_cap: "The health-care exemption allows three contacts per patient per week.",
} as const satisfies Record<ReasonCode, string>;

export type PolicyDecision =
  | { kind: "allow"; reasons: [] }
  | { kind: "defer"; until: number; reason: DeferReason; reasons: DeferReason[] }
  | { kind: "refuse"; reason: RefuseReason; reasons: RefuseReason[] };
