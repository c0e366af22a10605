import { describe, expect, it } from "vitest";
import { CONTACT_MEMORY_MS, evaluateContactPolicy, PURPOSES, recordContact, type RecentContact, subjectOf, type UsStateCode } from "../../src/policy";
import { attempt, contact, DAY, HOUR, NOON_NY, seeded, writtenConsent } from "./fixtures";

describe("recordContact", () => {
  it("appends the contact and keeps the row oldest first", () => {
    const row = recordContact([contact(NOON_NY - 2 * DAY)], contact(NOON_NY, { channel: "sms" }), NOON_NY);
    expect(row.map((c) => c.at)).toEqual([NOON_NY - 2 * DAY, NOON_NY]);
    expect(row[1]!.channel).toBe("sms");
  });

  it("drops contacts 7 days old or more, keeps those just younger", () => {
    const row = recordContact([contact(NOON_NY - CONTACT_MEMORY_MS), contact(NOON_NY - CONTACT_MEMORY_MS + 1)], contact(NOON_NY), NOON_NY);
    expect(row.map((c) => c.at)).toEqual([NOON_NY - CONTACT_MEMORY_MS + 1, NOON_NY]);
  });

  it("keeps only the newest 3 of a subject once no cap can see more", () => {
    let row: RecentContact[] = [];
    for (let i = 0; i < 10; i++) row = recordContact(row, contact(NOON_NY + i * HOUR, { purpose: "billing" }), NOON_NY + i * HOUR);
    expect(row.map((c) => c.at)).toEqual([7, 8, 9].map((i) => NOON_NY + i * HOUR));
  });

  it("keeps the newest 3 exempt contacts even when their subjects are crowded out", () => {
    let row: RecentContact[] = [];
    const exempt = [0, 1, 2].map((i) => contact(NOON_NY + i * HOUR, { purpose: "lab_results", subject: "visit" }));
    for (const c of exempt) row = recordContact(row, c, c.at);
    for (let i = 3; i < 8; i++) row = recordContact(row, contact(NOON_NY + i * HOUR, { purpose: "billing", subject: "visit" }), NOON_NY + i * HOUR);
    expect(row.filter((c) => c.purpose === "lab_results")).toEqual(exempt);
    expect(row.filter((c) => c.purpose === "billing")).toHaveLength(3);
  });

  it("the subject defaults to the purpose", () => {
    expect(subjectOf({ purpose: "billing" })).toBe("billing");
    expect(subjectOf({ purpose: "billing", subject: "invoice:7" })).toBe("invoice:7");
  });

  it("property: decisions on the pruned row equal decisions on the full history", () => {
    const random = seeded(7);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const states: (UsStateCode | null)[] = ["FL", "OK", "TX", null];
    let pruned = 0;
    for (let run = 0; run < 40; run++) {
      let full: RecentContact[] = [];
      let row: RecentContact[] = [];
      let now = NOON_NY + Math.floor(random() * DAY);
      for (let step = 0; step < 25; step++) {
        now += Math.floor(random() * 16 * HOUR);
        const made = contact(now, { purpose: pick(PURPOSES), subject: random() < 0.3 ? pick(["a", "b"]) : undefined, channel: random() < 0.5 ? "call" : "sms" });
        full = [...full, made];
        row = recordContact(row, made, now);
        const probe = attempt({
          now: now + Math.floor(random() * 2 * DAY),
          purpose: pick(["appointment_reminder", "billing", "lab_results"] as const),
          subject: random() < 0.3 ? pick(["a", "b"]) : undefined,
          consent: { optedOut: false, records: [writtenConsent(["calls", "texts"], 0)] },
          patient: { timeZone: "America/New_York", state: pick(states) },
        });
        expect(evaluateContactPolicy({ ...probe, recentContacts: row })).toEqual(evaluateContactPolicy({ ...probe, recentContacts: full }));
      }
      pruned += full.length - row.length;
    }
    // The comparison means something only if the row really dropped entries.
    expect(pruned).toBeGreaterThan(100);
  });
});
