import { hasConsent } from "./consent";
import type { PolicyInput } from "./inputs";
import { consentNeededFor, isExemptPurpose } from "./purposes";
import type { RefuseReason } from "./reasons";
import { callingWindows } from "./windows";

/** The exemption's limit for a text, 47 CFR 64.1200(a)(9)(iv). Counted in characters, not bytes. */
export const EXEMPT_TEXT_MAX_CHARS = 160;

/** Every refusal that applies, in precedence order (the order of `REFUSE_REASONS`). */
export function refusalsFor(input: PolicyInput): RefuseReason[] {
  const found: RefuseReason[] = [];
  if (input.consent.optedOut) found.push("opted_out");
  if (input.onDoNotCallList) found.push("number_on_dnc");
  if (!hasConsent(input.consent.records, consentNeededFor(input.purpose), input.attempt.channel, input.now)) found.push("no_consent");
  if (!purposeAllowed(input)) found.push("purpose_not_allowed");
  if (input.attempt.channel === "sms" && isExemptPurpose(input.purpose) && [...input.attempt.body].length > EXEMPT_TEXT_MAX_CHARS)
    found.push("message_too_long");
  if (callingWindows(input).kind === "never") found.push("no_calling_window");
  return found;
}

function purposeAllowed(input: PolicyInput): boolean {
  const tenant = input.tenant.policy.allowedPurposes;
  if (tenant && !tenant.includes(input.purpose)) return false;
  return !input.agentPurposes || input.agentPurposes.includes(input.purpose);
}
