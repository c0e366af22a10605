import { describe, expect, it } from "vitest";
import { instantsAtLocalTime, minuteOfDayAt, offsetMinutes } from "../../src/policy/zone-time";
import { at, wallClock } from "./time";

describe("offsetMinutes", () => {
  it("reads standard and daylight offsets", () => {
    expect(offsetMinutes(at("2026-01-15T12:00:00Z"), "America/New_York")).toBe(-300);
    expect(offsetMinutes(at("2026-07-15T12:00:00Z"), "America/New_York")).toBe(-240);
    expect(offsetMinutes(at("2026-01-15T12:00:00Z"), "America/Adak")).toBe(-600);
    expect(offsetMinutes(at("2026-07-15T12:00:00Z"), "America/Adak")).toBe(-540);
  });

  it("never changes in Honolulu", () => {
    for (const month of ["01", "03", "07", "11"]) expect(offsetMinutes(at(`2026-${month}-08T12:00:00Z`), "Pacific/Honolulu")).toBe(-600);
  });

  it("changes at the instant the clock does (New York, 2026-03-08 02:00 EST = 07:00Z)", () => {
    expect(offsetMinutes(at("2026-03-08T06:59:59Z"), "America/New_York")).toBe(-300);
    expect(offsetMinutes(at("2026-03-08T07:00:00Z"), "America/New_York")).toBe(-240);
  });
});

describe("minuteOfDayAt", () => {
  it("agrees with the wall clock across a day with a DST change", () => {
    for (let instant = at("2026-11-01T00:00:00Z"); instant < at("2026-11-02T12:00:00Z"); instant += 17 * 60_000) {
      const [hour, minute] = wallClock(instant, "America/New_York").slice(11).split(":").map(Number);
      expect(minuteOfDayAt(instant, "America/New_York")).toBe(hour! * 60 + minute!);
    }
  });
});

describe("instantsAtLocalTime", () => {
  const ny = "America/New_York";

  it("finds the one instant on an ordinary day", () => {
    expect(instantsAtLocalTime(ny, { year: 2026, month: 6, day: 10 }, 8 * 60)).toEqual([at("2026-06-10T08:00:00-04:00")]);
  });

  it("finds both instants of a repeated time (fall back, 2026-11-01 01:30)", () => {
    expect(instantsAtLocalTime(ny, { year: 2026, month: 11, day: 1 }, 90)).toEqual([at("2026-11-01T01:30:00-04:00"), at("2026-11-01T01:30:00-05:00")]);
  });

  it("resolves a skipped time to the first instant after the skip (spring forward, 2026-03-08 02:30)", () => {
    const [instant, ...rest] = instantsAtLocalTime(ny, { year: 2026, month: 3, day: 8 }, 150);
    expect(rest).toEqual([]);
    expect(instant).toBe(at("2026-03-08T03:00:00-04:00"));
    expect(wallClock(instant! - 1, ny)).toBe("2026-03-08 01:59");
  });
});
