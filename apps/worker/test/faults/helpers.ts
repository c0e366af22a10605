import { afterEach } from "vitest";
import { clearFaults, resetDials, setFaults, type FaultRule } from "../../src/lib/faults";

/**
 * Fault rules for one test (lib/faults.ts): the worker, its Durable Objects and the test share this
 * isolate, so rules set here are the ones the worker consults. Cleared after every test.
 */
export function faults() {
  afterEach(() => {
    clearFaults();
    resetDials();
  });
  return {
    set(...rules: FaultRule[]) {
      setFaults(rules);
    },
    clear: clearFaults,
  };
}

/** A D1 rule: statements (or batches) whose SQL contains `match` fail, before or after they commit. */
export function d1(match: string, effect: "error" | "error-after" = "error", times = 1): FaultRule {
  return { site: "d1", match, effect, times };
}
