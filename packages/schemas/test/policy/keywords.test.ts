import { describe, expect, it } from "vitest";
import { isResubscribe, isRevocation } from "../../src/policy/keywords";

describe("isRevocation (FCC 24-24 words)", () => {
  it.each(["stop", "STOP", " Stop. ", "quit", "End", "revoke", "opt out", "Opt-Out!", "OPTOUT", "opt_out", "cancel", "unsubscribe", "STOP ALL", "stopall", "Stop!!!", "ＳＴＯＰ"])(
    "%j revokes",
    (text) => expect(isRevocation(text)).toBe(true),
  );

  it.each(["", "please stop calling me", "don't stop", "stop stop", "stopping", "STOP2", "start", "yes", "opt in"])("%j is not a revocation keyword", (text) =>
    expect(isRevocation(text)).toBe(false),
  );
});

describe("isResubscribe", () => {
  it.each(["start", "START", " Start! ", "unstop", "UNSTOP", "yes", "Yes."])("%j resubscribes", (text) => expect(isResubscribe(text)).toBe(true));

  it.each(["", "yes please", "stop", "restart", "y"])("%j does not", (text) => expect(isResubscribe(text)).toBe(false));
});
