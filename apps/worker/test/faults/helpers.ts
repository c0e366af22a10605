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

/** The call object's alarm, or null when none is set. */
export async function alarmOf(callId: string): Promise<number | null> {
  const { runInDurableObject } = await import("cloudflare:test");
  const { callStub } = await import("../helpers/objects");
  return runInDurableObject(callStub(callId), (_instance, state) => state.storage.getAlarm());
}

/**
 * Lets the call object's alarm fire, again and again, as the clock reaches each one (its work runs
 * as of the alarm's time: `tick(alarmAt)`), until `done` or `limit` alarms. Returns the alarm times
 * it ran; fails if the object has no alarm while not done (nothing would ever wake it).
 */
export async function runAlarmsUntil(callId: string, done: () => Promise<boolean>, limit = 20): Promise<number[]> {
  const { tickCall } = await import("../helpers/objects");
  const { expect } = await import("vitest");
  const fired: number[] = [];
  const { poll } = await import("../helpers/wait");
  while (!(await done())) {
    let at = await alarmOf(callId);
    if (at === null) {
      // Another request to the object (the dispatcher's start, a vendor's late answer) may be between
      // its D1 write and its alarm: give that work a moment to finish, without nudging the object.
      const next = await poll(async () => ({ done: await done(), at: await alarmOf(callId) }), (v) => v.done || v.at !== null, 5_000);
      if (next.done) break;
      at = next.at;
    }
    expect(at, `no alarm on ${callId} while it is not settled`).not.toBeNull();
    expect(fired.length, "alarms fired without settling").toBeLessThan(limit);
    fired.push(at!);
    await tickCall(callId, Math.max(at!, Date.now()));
  }
  return fired;
}

