/**
 * What of an error may go into a log line. Messages are not ours to trust: V8's JSON.parse quotes the
 * text it choked on (a patient's name, a message body), a driver may quote a bound value, a vendor's
 * wording may echo a phone number. So quoted text, digit runs (phones, birth dates), emails and
 * bearer-ish tokens are masked; the error's name and the shape of its message stay for debugging.
 */
export function errorSummary(error: unknown): string {
  if (!(error instanceof Error)) return typeof error === "string" ? mask(error) : "non-Error thrown";
  return `${error.name}: ${mask(error.message)}`;
}

const MAX_CHARS = 300;

function mask(text: string): string {
  return text
    .slice(0, MAX_CHARS)
    .replace(/"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`[^`]*`?/g, "<quoted>")
    .replace(/[^\s@]+@[^\s@]+/g, "<email>")
    .replace(/\b(?:sk|pk|key|tok|Bearer)[-_ ]?[A-Za-z0-9._-]{8,}/gi, "<secret>")
    .replace(/\+?\d[\d\s().-]{2,}\d/g, "<digits>");
}
