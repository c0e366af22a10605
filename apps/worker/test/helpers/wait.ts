import type { CallStatus } from "@switchboard/schemas";
import { expect } from "vitest";
import { callRow, campaign, getCall, TERMINAL } from "./calls";
import { inspect } from "./objects";
import { deliveriesOf, type DeliveryRow } from "./webhooks";

/*
 * Waiting for wall-clock time. For work a Durable Object does on its alarm, run the alarm instead
 * (objects.ts); what is left here is for work nothing in a test can run itself.
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

/** Polls until the call reaches `status` (the simulator moves calls on real alarms). */
export async function waitForStatus(key: string, callId: string, status: string, timeoutMs = 10_000) {
  const call = await poll(() => getCall(key, callId), (c) => c.status === status, timeoutMs);
  expect(call.status).toBe(status);
  return call;
}

/** Polls until the call has ended (completed, failed or canceled) in D1. */
export async function waitForEnd(key: string, callId: string, timeoutMs = 10_000) {
  const call = await poll(() => getCall(key, callId), (c) => TERMINAL.includes(c.status), timeoutMs);
  expect(TERMINAL).toContain(call.status);
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

/**
 * Waits until the dispatcher holds the call as waiting for `attempt`: the call's own status is
 * written first, and the line comes back right after (a call effect).
 */
export async function waitForWaiting(tenantId: string, callId: string, attempt: number) {
  const state = await poll(() => inspect(tenantId), (s) => s.waiting.some((e) => e.call_id === callId && e.attempt === attempt));
  const entry = state.waiting.find((e) => e.call_id === callId && e.attempt === attempt);
  expect(entry, `${callId} waiting for attempt ${attempt}`).toBeDefined();
  return entry!;
}

/** Polls the campaign until `done` holds for its per-status counts. */
export async function waitForProgress(key: string, batchId: string, done: (byStatus: Record<CallStatus, number>) => boolean, timeoutMs = 15_000) {
  const result = await poll(() => campaign(key, batchId), (c) => done(c.progress.byStatus), timeoutMs);
  expect(done(result.progress.byStatus), JSON.stringify(result.progress.byStatus)).toBe(true);
  return result;
}

/** Polls until the endpoint's only delivery satisfies `done`. */
export async function waitForDelivery(endpointId: string, done: (d: DeliveryRow) => boolean, timeoutMs = 10_000): Promise<DeliveryRow> {
  const rows = await poll(() => deliveriesOf(endpointId), (r) => r.length > 0 && done(r[0]!), timeoutMs);
  expect(rows.length).toBeGreaterThan(0);
  expect(done(rows[0]!)).toBe(true);
  return rows[0]!;
}
