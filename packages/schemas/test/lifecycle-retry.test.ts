import { describe, expect, it } from "vitest";
import {
  CALL_STATUSES,
  CALL_TRANSITIONS,
  canTransition,
  LIVE_STATUSES,
  pathTo,
  RETRYABLE_OUTCOMES,
  TERMINAL_STATUSES,
  WAITING_STATUSES,
} from "@switchboard/schemas";

describe("lifecycle: waiting, retries and cancellation", () => {
  it("sorts every status into exactly one of waiting, live or ended", () => {
    const groups = [WAITING_STATUSES, LIVE_STATUSES, TERMINAL_STATUSES];
    for (const status of CALL_STATUSES) expect(groups.filter((g) => g.includes(status)), status).toHaveLength(1);
  });

  it("lets any live call go to awaiting-retry, and a waiting retry only be dialed or canceled", () => {
    for (const status of LIVE_STATUSES) expect(canTransition(status, "awaiting-retry"), status).toBe(true);
    expect(CALL_TRANSITIONS["awaiting-retry"]).toEqual(["initiating", "canceled"]);
    for (const status of ["scheduled", "queued"] as const) expect(canTransition(status, "awaiting-retry")).toBe(false);
  });

  it("cancels only calls that are not on the line", () => {
    const cancelable = CALL_STATUSES.filter((s) => canTransition(s, "canceled"));
    expect(cancelable.sort()).toEqual([...WAITING_STATUSES].sort());
  });

  it("never infers awaiting-retry from a vendor's report", () => {
    expect(pathTo("initiating", "completed")).toEqual(["dialing", "in-progress", "summarizing", "completed"]);
    expect(pathTo("dialing", "failed")).toEqual(["failed"]);
    // Reachable only through awaiting-retry, which only the call object decides on.
    expect(pathTo("in-progress", "canceled")).toBeNull();
    expect(pathTo("summarizing", "initiating")).toBeNull();
    expect(pathTo("dialing", "awaiting-retry")).toEqual(["awaiting-retry"]);
  });

  it("retries only unanswered outcomes", () => {
    expect([...RETRYABLE_OUTCOMES].sort()).toEqual(["busy", "no_answer", "voicemail"]);
  });
});
