/** True for IANA zone names the runtime knows (e.g. America/Chicago). */
export function isIanaTimezone(zone: string): boolean {
  if (!zone.includes("/") && zone !== "UTC") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
