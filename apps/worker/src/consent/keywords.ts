import { isResubscribe, isRevocation } from "@switchboard/schemas";

/**
 * Twilio's default keywords for long codes (and the CTIA set), which are the FCC 24-24 revocation
 * words (stop, quit, end, revoke, opt out, cancel, unsubscribe): a text whose whole body is one of
 * them, in any case, spacing or punctuation ("Stop.", "opt-out"), opts the number out of every
 * call and text (or back in). Recognition is the contact policy's (`isRevocation`).
 */
export type KeywordAction = "opt-out" | "opt-in" | null;

/**
 * What a text asks for. Twilio's Advanced Opt-Out labels keyword texts itself (`OptOutType`:
 * STOP, START or HELP, including the tenant's custom keywords); that label wins when present.
 */
export function keywordAction(body: string | undefined, optOutType?: string): { action: KeywordAction; keyword: string | null } {
  const label = optOutType?.trim().toUpperCase();
  const word = (body ?? "").trim().toUpperCase();
  if (label === "STOP") return { action: "opt-out", keyword: word || label };
  if (label === "START") return { action: "opt-in", keyword: word || label };
  if (isRevocation(word)) return { action: "opt-out", keyword: word };
  if (isResubscribe(word)) return { action: "opt-in", keyword: word };
  return { action: null, keyword: null };
}
