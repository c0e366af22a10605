import { parsePhoneNumberFromString } from "libphonenumber-js/min";

/**
 * The number in E.164, or null when it cannot be a phone number. National formats are read as US
 * numbers. "Possible" rather than "valid": fictional 555 numbers, used in every demo, must pass.
 */
export function toE164(input: string): string | null {
  const parsed = parsePhoneNumberFromString(input.trim(), "US");
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}
