import { describe, expect, it } from "vitest";
import { cachedZoneCount, offsetMinutes } from "../src/policy/zone-time";

/** `zone` spelled with its letters' case flipped at random. */
function casing(zone: string): string {
  return [...zone].map((ch) => (Math.random() < 0.5 ? ch.toUpperCase() : ch.toLowerCase())).join("");
}

describe("zone formatters", () => {
  it("thousands of casings of one zone add at most one cached formatter", () => {
    const at = Date.UTC(2026, 6, 1, 12);
    const expected = offsetMinutes(at, "America/Denver");
    const before = cachedZoneCount();
    for (let i = 0; i < 2_000; i++) expect(offsetMinutes(at, casing("America/Denver"))).toBe(expected);
    expect(cachedZoneCount() - before).toBeLessThanOrEqual(1);
  });
});
