import { z } from "@hono/zod-openapi";

/**
 * What a call or text is for. The first eight are the kinds of message the FCC lists for the
 * health-care exemption, 47 CFR 64.1200(a)(9)(iv); the rest are not exempt.
 */
export const EXEMPT_PURPOSES = [
  "appointment_reminder",
  "wellness_check",
  "hospital_pre_registration",
  "pre_op_instructions",
  "lab_results",
  "post_discharge_follow_up",
  "prescription_notification",
  "home_health_instructions",
] as const;

export const PURPOSES = [...EXEMPT_PURPOSES, "billing", "marketing", "other"] as const;

export const Purpose = z
  .enum(PURPOSES, { error: `purpose must be one of ${PURPOSES.join(", ")}` })
  .openapi("ContactPurpose", { description: "What the contact is for; decides whether the health-care exemption applies" });
export type Purpose = z.infer<typeof Purpose>;

export function isExemptPurpose(purpose: Purpose): boolean {
  return (EXEMPT_PURPOSES as readonly Purpose[]).includes(purpose);
}

/** The consent a purpose needs before an AI voice calls or an automated text is sent. */
export type ConsentNeeded = "none" | "prior_express_consent" | "prior_express_written_consent";

export function consentNeededFor(purpose: Purpose): ConsentNeeded {
  if (isExemptPurpose(purpose)) return "none";
  // Advertising and telemarketing need consent in writing: 47 CFR 64.1200(a)(2).
  if (purpose === "marketing") return "prior_express_written_consent";
  // The exemption excludes billing and other financial content outright; `other` is unknown content, so it is
  // treated as non-exempt too and needs at least prior express consent: 47 CFR 64.1200(a)(1)(iii).
  return "prior_express_consent";
}
