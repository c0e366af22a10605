/**
 * Twilio's default keywords for long codes (and the CTIA set): a text whose whole body, trimmed and
 * in any case, is one of these opts the sender out of (or back into) the tenant's texts.
 */
export const OPT_OUT_KEYWORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"] as const;
export const OPT_IN_KEYWORDS = ["START", "YES", "UNSTOP"] as const;

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
  if ((OPT_OUT_KEYWORDS as readonly string[]).includes(word)) return { action: "opt-out", keyword: word };
  if ((OPT_IN_KEYWORDS as readonly string[]).includes(word)) return { action: "opt-in", keyword: word };
  return { action: null, keyword: null };
}
