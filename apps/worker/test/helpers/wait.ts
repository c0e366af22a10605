import { expect } from "vitest";
import { callRow, getCall, TERMINAL } from "./calls";

/*
 * Waiting for wall-clock time. Work a Durable Object does on its alarm is run by the test instead
 * (objects.ts: playCall, runDispatcherAlarm, runSenderAlarm; webhooks.ts: deliverNow). What is left
 * here is for what nothing in a test can run itself: work a request keeps going with `waitUntil`
 * (an unsigned vendor event checked with the vendor, the SMS simulator's steps), a call object's
 * message to itself, a duration the clock has to measure, timestamps that must differ.
 */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `done` holds (or the deadline passes) and returns the last value read. */
export async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(everyMs);
    value = await read();
  }
  return value;
}

/** Polls until the call reaches `status`, as the API shows it. */
export async function waitForStatus(key: string, callId: string, status: string, timeoutMs = 10_000) {
  const call = await poll(() => getCall(key, callId), (c) => c.status === status, timeoutMs);
  expect(call.status).toBe(status);
  return call;
}

export async function waitForCall(key: string, callId: string, done: (call: any) => boolean, timeoutMs = 5_000) {
  return poll(() => getCall(key, callId), done, timeoutMs);
}

/** Polls D1 until the call has ended. */
export async function waitForRowEnd(callId: string, timeoutMs = 10_000) {
  const row = await poll(() => callRow(callId), (r) => TERMINAL.includes(String(r?.status)), timeoutMs);
  expect(TERMINAL).toContain(row?.status);
  return row!;
}
