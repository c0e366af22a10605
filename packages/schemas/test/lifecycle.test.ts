import {
  CALL_STATUSES,
  CALL_TRANSITIONS,
  HANGUP_STATUSES,
  LIVE_STATUSES,
  TERMINAL_STATUSES,
  canTransition,
  isTerminal,
  pathTo,
  type CallStatus,
} from "@switchboard/schemas";
import { describe, expect, it } from "vitest";

/** The lifecycle as the Calls API documents it, written out independently of the table under test. */
const LEGAL = new Set([
  "scheduled>queued", "scheduled>initiating", "scheduled>canceled",
  "queued>initiating", "queued>canceled",
  "initiating>dialing", "initiating>failed",
  "dialing>in-progress", "dialing>failed",
  "in-progress>summarizing", "in-progress>failed",
  "summarizing>completed", "summarizing>failed",
  // retries: an unanswered attempt ends the attempt, not the call
  "initiating>awaiting-retry", "dialing>awaiting-retry", "in-progress>awaiting-retry", "summarizing>awaiting-retry",
  "awaiting-retry>initiating", "awaiting-retry>canceled",
]);

/**
 * Statuses a vendor's report can move `from` to in one or more legal steps (computed by brute
 * force). `awaiting-retry` is only ever decided by the call itself, so no route passes through it.
 */
function reachable(from: CallStatus): Set<CallStatus> {
  const seen = new Set<CallStatus>();
  const todo = [from];
  while (todo.length) {
    const s = todo.pop()!;
    for (const to of CALL_STATUSES) {
      if (LEGAL.has(`${s}>${to}`) && !seen.has(to)) {
        seen.add(to);
        if (to !== "awaiting-retry") todo.push(to);
      }
    }
  }
  return seen;
}

const pairs = CALL_STATUSES.flatMap((from) => CALL_STATUSES.map((to) => [from, to] as const));

describe("call lifecycle table", () => {
  it("knows every status", () => {
    expect(Object.keys(CALL_TRANSITIONS).sort()).toEqual([...CALL_STATUSES].sort());
    expect([...CALL_STATUSES]).toEqual(
      expect.arrayContaining(["queued", "initiating", "dialing", "in-progress", "summarizing", "completed", "failed"]),
    );
  });

  it.each(pairs)("%s -> %s is allowed only if the lifecycle allows it", (from, to) => {
    expect(canTransition(from, to)).toBe(LEGAL.has(`${from}>${to}`));
  });

  it("refuses every illegal transition (all pairs)", () => {
    const illegal = pairs.filter(([f, t]) => !LEGAL.has(`${f}>${t}`));
    expect(illegal.length).toBe(CALL_STATUSES.length ** 2 - LEGAL.size);
    for (const [from, to] of illegal) expect(canTransition(from, to), `${from} -> ${to}`).toBe(false);
    // no status moves to itself
    for (const s of CALL_STATUSES) expect(canTransition(s, s)).toBe(false);
  });

  it("has no exits from terminal states", () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(["canceled", "completed", "failed"]);
    for (const t of TERMINAL_STATUSES) {
      expect(isTerminal(t)).toBe(true);
      expect(CALL_TRANSITIONS[t]).toEqual([]);
      for (const to of CALL_STATUSES) {
        expect(canTransition(t, to)).toBe(false);
        expect(pathTo(t, to)).toBeNull();
      }
    }
    for (const s of CALL_STATUSES.filter((x) => !TERMINAL_STATUSES.includes(x))) expect(isTerminal(s)).toBe(false);
  });

  it("every live call can still fail, and only calls off the line can be canceled", () => {
    for (const s of LIVE_STATUSES) expect(canTransition(s, "failed")).toBe(true);
    for (const s of CALL_STATUSES) {
      if (canTransition(s, "canceled")) expect(["scheduled", "queued", "awaiting-retry"]).toContain(s);
    }
  });

  it("hangup is allowed exactly where the Calls API documents it", () => {
    expect([...HANGUP_STATUSES].sort()).toEqual(["dialing", "in-progress", "initiating"]);
    for (const s of HANGUP_STATUSES) expect(canTransition(s, "failed")).toBe(true);
    expect([...LIVE_STATUSES].sort()).toEqual(["dialing", "in-progress", "initiating", "summarizing"]);
  });
});

describe("pathTo", () => {
  it.each(pairs)("%s -> %s: a legal path exactly when reachable", (from, to) => {
    const path = pathTo(from, to);
    if (from === to || !reachable(from).has(to)) {
      expect(path).toBeNull();
      return;
    }
    expect(path).not.toBeNull();
    expect(path!.at(-1)).toBe(to);
    expect(path).not.toContain(from);
    let at: CallStatus = from;
    for (const step of path!) {
      expect(canTransition(at, step), `${at} -> ${step}`).toBe(true);
      at = step;
    }
  });

  it("never walks a call backwards through the retry loop", () => {
    expect(pathTo("in-progress", "dialing")).toBeNull();
    expect(pathTo("summarizing", "initiating")).toBeNull();
    expect(pathTo("dialing", "canceled")).toBeNull();
  });

  it("takes the shortest route", () => {
    expect(pathTo("initiating", "completed")).toEqual(["dialing", "in-progress", "summarizing", "completed"]);
    expect(pathTo("initiating", "failed")).toEqual(["failed"]);
    expect(pathTo("dialing", "summarizing")).toEqual(["in-progress", "summarizing"]);
    expect(pathTo("scheduled", "dialing")).toEqual(["initiating", "dialing"]);
    expect(pathTo("queued", "completed")).toEqual(["initiating", "dialing", "in-progress", "summarizing", "completed"]);
  });

  it("never goes backwards", () => {
    const order: CallStatus[] = ["scheduled", "queued", "initiating", "dialing", "in-progress", "summarizing", "completed"];
    for (let i = 0; i < order.length; i++) {
      for (let j = 0; j <= i; j++) expect(pathTo(order[i]!, order[j]!), `${order[i]} -> ${order[j]}`).toBeNull();
    }
    expect(pathTo("dialing", "queued")).toBeNull();
    expect(pathTo("in-progress", "canceled")).toBeNull();
  });
});
