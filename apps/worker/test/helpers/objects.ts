import { createExecutionContext, createScheduledController, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { ProviderEvent } from "@switchboard/providers";
import { expect } from "vitest";
import cron from "../../../cron/src/index";
import type { CallObject } from "../../src/objects/call/call-object";
import type { TenantDispatcher } from "../../src/objects/dispatcher/tenant-dispatcher";

/*
 * The Durable Objects and the cron, driven by the test. Work a Durable Object does on its alarm is
 * run here with `runDurableObjectAlarm`, or with the object's own clock (`tick(now)`) for work due
 * later, instead of waiting for the runtime to get there.
 */

/** The call's Durable Object, addressed the way the worker addresses it. */
export function callStub(callId: string) {
  return env.CALLS.get(env.CALLS.idFromName(callId));
}

export function dispatcher(tenantId: string) {
  return env.DISPATCHERS.get(env.DISPATCHERS.idFromName(tenantId));
}

export function senderStub(endpointId: string) {
  return env.WEBHOOKS.get(env.WEBHOOKS.idFromName(endpointId));
}

/** What the tenant's dispatcher holds: its lines, its queue, its releases. */
export async function inspect(tenantId: string) {
  return dispatcher(tenantId).inspect();
}

/** The dispatcher's entry for the call waiting for `attempt` (its line came back with the retry, a call effect). */
export async function waitingEntry(tenantId: string, callId: string, attempt: number) {
  const entry = (await inspect(tenantId)).waiting.find((e) => e.call_id === callId && e.attempt === attempt);
  expect(entry, `${callId} waiting for attempt ${attempt}`).toBeDefined();
  return entry!;
}

/** Runs the call object's alarm work as if the clock read `now`. */
export async function tickCall(callId: string, now: number) {
  await runInDurableObject(callStub(callId), (instance: CallObject) => instance.tick(now));
}

/** Runs the dispatcher's alarm work as if the clock read `now` (after any run already under way). */
export async function tickDispatcher(tenantId: string, now: number) {
  await runInDurableObject(dispatcher(tenantId), (instance: TenantDispatcher) => instance.tick(now));
}

/**
 * Runs the call object's pending alarm now, its clock at the time the alarm is set for: what is due
 * then (the simulator's next scripted event, a write-through retry) happens at once, written through
 * with what follows it. Returns the alarm's time, or null when none is set.
 *
 * The runtime runs alarms that come due by itself too, and one it is running shows as no alarm: so
 * with none set, this first waits for such a run (runs never overlap), then looks again.
 */
export async function runCallAlarm(callId: string): Promise<number | null> {
  return runInDurableObject(callStub(callId), async (instance: CallObject, state) => {
    let at = await state.storage.getAlarm();
    if (at === null) {
      await instance.tick(Date.now());
      at = await state.storage.getAlarm();
      if (at === null) return null;
    }
    await state.storage.deleteAlarm();
    await instance.tick(Math.max(at, Date.now()));
    return at;
  });
}

const ENDED = ["completed", "failed", "canceled"];

/**
 * Plays a call on its alarms (`runCallAlarm`, one after another) until its row in D1 has `status`,
 * or has ended when none is given; at most `maxAlarms`. Each alarm's work is written through before
 * the next, so what follows a transition (the line given back, webhooks queued) has happened too.
 */
export async function playCall(callId: string, status?: string, maxAlarms = 10): Promise<string> {
  const reached = (s: string) => (status === undefined ? ENDED.includes(s) : s === status);
  let current = await rowStatus(callId);
  for (let run = 0; !reached(current) && run < maxAlarms; run++) {
    const at = await runCallAlarm(callId);
    current = await rowStatus(callId);
    if (at === null) break;
  }
  expect(current, `call ${callId} played on its alarms`).toBe(status ?? current);
  if (status === undefined) expect(ENDED).toContain(current);
  return current;
}

/** The call's status in D1, on whichever shard holds its tenant. */
async function rowStatus(callId: string): Promise<string> {
  for (const d1 of [env.DB, env.DB_1!]) {
    const row = await d1.prepare("SELECT status FROM calls WHERE id = ?").bind(callId).first<{ status: string }>();
    if (row) return row.status;
  }
  return "undefined";
}

/**
 * Runs the tenant dispatcher's alarm: a release step, then free lines go to the calls first in line.
 * The runtime also runs an alarm that is due by itself; when it got there first, this waits for its
 * run to finish (runs never overlap), so either way the work is done on return.
 */
export async function runDispatcherAlarm(tenantId: string) {
  if (!(await runDurableObjectAlarm(dispatcher(tenantId)))) await tickDispatcher(tenantId, Date.now());
}

/**
 * Plays a tenant's campaign to its end: the dispatcher's alarm (release steps, free lines to the
 * calls first in line), then every call on a line played to its end (which gives its line back),
 * over and over until no call of the campaign is left to end; at most `maxRounds` rounds.
 */
export async function playCampaign(tenantId: string, campaignId: string, maxRounds = 20) {
  for (let round = 0; round < maxRounds; round++) {
    await runDispatcherAlarm(tenantId);
    let open = 0;
    for (const d1 of [env.DB, env.DB_1!]) {
      const row = await d1.prepare("SELECT count(*) AS n FROM calls WHERE campaign_id = ? AND status NOT IN ('completed', 'failed', 'canceled')")
        .bind(campaignId)
        .first<{ n: number }>();
      open += row?.n ?? 0;
    }
    if (!open) return;
    for (const line of (await inspect(tenantId)).live) await playCall(line.call_id);
  }
  throw new Error(`campaign ${campaignId} still has calls to end after ${maxRounds} rounds`);
}

/**
 * Runs the endpoint's webhook sender alarm: every delivery due is attempted. When the runtime got
 * to the alarm first, this waits for its run instead (the sender's runs never overlap).
 */
export async function runSenderAlarm(endpointId: string) {
  const stub = senderStub(endpointId);
  if (!(await runDurableObjectAlarm(stub))) await stub.deliverDue();
}

export async function senderAlarm(endpointId: string): Promise<number | null> {
  return runInDurableObject(senderStub(endpointId), (_instance, state) => state.storage.getAlarm());
}

/** Moves a call as its provider would (a webhook): straight into the call's object. */
export async function providerReports(callId: string, event: ProviderEvent) {
  expect(await callStub(callId).applyProviderEvent(event)).toBe(true);
}

/**
 * Fires apps/cron's `scheduled()` handler with a controlled `scheduledTime`; its `API` binding is
 * this worker's own `Internal` entrypoint, as the service binding is in production.
 */
export async function fireCron(scheduledTime: number) {
  const controller = createScheduledController({ scheduledTime, cron: "* * * * *" });
  const ctx = createExecutionContext();
  // `exports` holds loopback bindings to this worker's entrypoints (ctx.exports).
  const api = (exports as unknown as Record<string, unknown>).Internal;
  await cron.scheduled(controller, { API: api as never }, ctx);
  await waitOnExecutionContext(ctx);
}
