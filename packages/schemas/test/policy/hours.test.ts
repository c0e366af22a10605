import { describe, expect, it } from "vitest";
import { dailyWindow, FEDERAL_CALLING_HOURS, isWithinWindow, nextWindowOpening } from "../../src/policy/hours";
import { at, HOUR, MINUTE, wallClock } from "./time";

const ny = "America/New_York";
const federal = FEDERAL_CALLING_HOURS;

describe("nextWindowOpening", () => {
  it("returns the instant itself when the window is open", () => {
    const noon = at("2026-06-10T12:00:00-04:00");
    expect(nextWindowOpening(noon, ny, federal)).toBe(noon);
  });

  it("opens at 08:00 sharp and closes at 21:00 sharp", () => {
    const opening = at("2026-06-10T08:00:00-04:00");
    expect(nextWindowOpening(opening - 1, ny, federal)).toBe(opening);
    expect(isWithinWindow(at("2026-06-10T20:59:59.999-04:00"), ny, federal)).toBe(true);
    expect(nextWindowOpening(at("2026-06-10T21:00:00-04:00"), ny, federal)).toBe(at("2026-06-11T08:00:00-04:00"));
  });

  it("spring forward: the night before 2026-03-08 is an hour shorter", () => {
    const expected = at("2026-03-08T08:00:00-04:00");
    expect(nextWindowOpening(at("2026-03-07T22:00:00-05:00"), ny, federal)).toBe(expected);
    const afterMidnight = at("2026-03-08T00:30:00-05:00");
    expect(nextWindowOpening(afterMidnight, ny, federal)).toBe(expected);
    // 7.5 wall-clock hours but 6.5 real ones: the hour from 02:00 to 03:00 does not happen.
    expect(expected - afterMidnight).toBe(6.5 * HOUR);
  });

  it("fall back: the night into 2026-11-01 is an hour longer, and the repeated 01:30 is still closed", () => {
    const expected = at("2026-11-01T08:00:00-05:00");
    const lateEvening = at("2026-10-31T22:00:00-04:00");
    expect(nextWindowOpening(lateEvening, ny, federal)).toBe(expected);
    expect(expected - lateEvening).toBe(11 * HOUR);
    expect(nextWindowOpening(at("2026-11-01T01:30:00-05:00"), ny, federal)).toBe(expected);
  });

  it("a window that starts inside the skipped hour opens at the first valid instant after it", () => {
    const window = dailyWindow("02:30", "05:00");
    const opening = nextWindowOpening(at("2026-03-08T00:00:00-05:00"), ny, window);
    expect(opening).toBe(at("2026-03-08T03:00:00-04:00"));
    expect(wallClock(opening, ny)).toBe("2026-03-08 03:00");
    expect(isWithinWindow(opening - 1, ny, window)).toBe(false);
  });

  it("a window wholly inside the skipped hour opens the next day", () => {
    const window = dailyWindow("02:10", "02:50");
    expect(nextWindowOpening(at("2026-03-08T00:00:00-05:00"), ny, window)).toBe(at("2026-03-09T02:10:00-04:00"));
  });

  it("a window in the repeated hour opens again when the clock comes round a second time", () => {
    const window = dailyWindow("01:00", "01:30");
    expect(nextWindowOpening(at("2026-11-01T01:45:00-04:00"), ny, window)).toBe(at("2026-11-01T01:00:00-05:00"));
  });

  it("opens at the clock change when setting the clock back lands inside the window (Lord Howe, 30 min)", () => {
    // 2026-04-05 02:00 +11:00 becomes 01:30 +10:30; 01:00 happened once, before the change.
    const window = dailyWindow("01:00", "01:45");
    const zone = "Australia/Lord_Howe";
    const change = at("2026-04-05T02:00:00+11:00");
    expect(nextWindowOpening(change - 10 * MINUTE, zone, window)).toBe(change);
    expect(wallClock(change, zone)).toBe("2026-04-05 01:30");
  });

  it("Honolulu has no DST: the same local hour every day of the year", () => {
    for (const date of ["2026-03-08", "2026-06-10", "2026-11-01"]) {
      expect(nextWindowOpening(at(`${date}T06:00:00-10:00`), "Pacific/Honolulu", federal)).toBe(at(`${date}T08:00:00-10:00`));
    }
  });

  it("Adak keeps the legal hours across its own spring forward (HST to HDT)", () => {
    const zone = "America/Adak";
    const opening = nextWindowOpening(at("2026-03-08T01:00:00-10:00"), zone, federal);
    expect(opening).toBe(at("2026-03-08T08:00:00-09:00"));
    expect(wallClock(opening, zone)).toBe("2026-03-08 08:00");
  });
});
