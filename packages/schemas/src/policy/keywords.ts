// Replies that revoke or restore consent. FCC 24-24 (47 CFR 64.1200(a)(10)) makes these words a
// valid revocation when they are the reply; matching the whole message, not a word inside a
// sentence, keeps "don't stop reminding me" from opting anyone out.

const REVOCATION_WORDS = new Set(["stop", "stopall", "quit", "end", "revoke", "optout", "cancel", "unsubscribe"]);
const RESUBSCRIBE_WORDS = new Set(["start", "unstop", "yes"]);

/** "Opt-Out!", " opt out ", "OPTOUT" → "optout": case, spacing, punctuation and symbols drop out. */
function normalize(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[\s\p{P}\p{S}]/gu, "");
}

export function isRevocation(text: string): boolean {
  return REVOCATION_WORDS.has(normalize(text));
}

export function isResubscribe(text: string): boolean {
  return RESUBSCRIBE_WORDS.has(normalize(text));
}
