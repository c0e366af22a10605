import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { canTransition, type CallStatus } from "@switchboard/schemas";
import { afterEach, describe, expect, it } from "vitest";
import type { CallObject } from "../../../src/objects/call/call-object";
import { setup } from "../../helpers/tenants";
import { getCall, getEvents, hangup, placeCall } from "../../helpers/calls";
import { callStub, playCall, runCallAlarm } from "../../helpers/objects";

/** History invariants: seq 0..n without gaps, time never goes back, status changes chain legally. */
function expectWellFormedHistory(events: any[]) {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
  const times = events.map((e) => Date.parse(e.at));
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]!);
  const transitions = events.filter((e) => e.to_status !== null);
  for (let i = 1; i < transitions.length; i++) {
    expect(transitions[i].from_status).toBe(transitions[i - 1].to_status);
    expect(canTransition(transitions[i].from_status as CallStatus, transitions[i].to_status as CallStatus)).toBe(true);
  }
  return transitions.map((e) => e.to_status);
}

describe("call object: provider events", () => {
  it("ignores duplicates and events that would move the call backwards", async () => {
    const { key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const stub = callStub(callId);

    expect(await stub.applyProviderEvent({ status: "dialing" })).toBe(true);
    const afterDialing = await getEvents(key, callId);
    expect(await stub.applyProviderEvent({ status: "dialing" })).toBe(false); // duplicate
    expect(await stub.applyProviderEvent({ status: "initiating" })).toBe(false); // backwards
    expect(await stub.applyProviderEvent({ status: "queued" })).toBe(false);
    expect(await stub.applyProviderEvent({ status: "scheduled" })).toBe(false);
    expect(await stub.applyProviderEvent({ status: "canceled" })).toBe(false); // not reachable from dialing
    expect(await getEvents(key, callId)).toEqual(afterDialing);
    expect((await getCall(key, callId)).status).toBe("dialing");

    expect(await stub.applyProviderEvent({ status: "in-progress", outcome: "human" })).toBe(true);
    expect(await stub.applyProviderEvent({ status: "dialing" })).toBe(false);
    expect(await stub.applyProviderEvent({ status: "in-progress" })).toBe(false);
    expect((await getCall(key, callId)).status).toBe("in-progress");
    expect(await stub.status()).toBe("in-progress");
  });

  it("fills in the stages a provider skips, and nothing moves after the end", async () => {
    const { key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const stub = callStub(callId);
    const report = { outcome: "human", summary: "confirmed" };
    expect(await stub.applyProviderEvent({ status: "completed", outcome: "human", finalReport: report, transcript: [{ role: "agent", text: "Hi" }] })).toBe(true);
    const events = await getEvents(key, callId);
    expect(expectWellFormedHistory(events)).toEqual(["queued", "initiating", "dialing", "in-progress", "summarizing", "completed"]);
    const done = await getCall(key, callId);
    expect(done).toMatchObject({ status: "completed", outcome: "human", final_report: report });
    expect(done.started_at).not.toBeNull();
    expect(done.ended_at).not.toBeNull();
    expect(done.duration).toBe(0);

    for (const status of ["failed", "completed", "summarizing", "in-progress", "dialing", "initiating", "canceled"] as const) {
      expect(await stub.applyProviderEvent({ status, outcome: "busy" }), status).toBe(false);
    }
    expect(await getEvents(key, callId)).toEqual(events);
    expect(await getCall(key, callId)).toEqual(done);
  });

  it("keeps an append-only history with increasing seq and times", async () => {
    const { key, patient, agent } = await setup({ simulator: { durationMs: 200 } });
    const callId = await placeCall(key, patient.patient_id, agent.id);
    // Read the history after each alarm the script plays on.
    const snapshots: any[][] = [await getEvents(key, callId)];
    for (let run = 0; run < 10; run++) {
      const alarm = await runCallAlarm(callId);
      snapshots.push(await getEvents(key, callId));
      if (alarm === null) break;
    }
    const final = snapshots.at(-1)!;
    // every earlier read is a prefix of every later one: rows are only ever appended
    for (const snap of snapshots) expect(final.slice(0, snap.length)).toEqual(snap);
    expect(expectWellFormedHistory(final)).toEqual(["queued", "initiating", "dialing", "in-progress", "summarizing", "completed"]);
    expect(final[0]).toMatchObject({ seq: 0, type: "created", from_status: null, to_status: "queued" });
    expect(final.find((e) => e.type === "provider.placed")).toMatchObject({ detail: { provider: "simulator", providerCallId: `sim_${callId}` } });
    // A late, duplicate report changes nothing.
    expect(await callStub(callId).applyProviderEvent({ status: "completed", outcome: "human" })).toBe(false);
    expect(await getEvents(key, callId)).toEqual(final);
  });

  it("never dials twice: start() is idempotent", async () => {
    const { key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const stub = callStub(callId);
    const before = await getEvents(key, callId);
    const again = await Promise.all([stub.start(callId), stub.start(callId), stub.start(callId)]);
    expect(again).toEqual(["initiating", "initiating", "initiating"]);
    expect(await getEvents(key, callId)).toEqual(before);
    expect(before.filter((e) => e.type === "provider.placed")).toHaveLength(1);
    // an id with no call row is never started
    const ghost = crypto.randomUUID();
    expect(await callStub(ghost).start(ghost)).toBeNull();
    expect(await callStub(ghost).status()).toBeNull();
  });

  it("survives eviction: state comes back from storage", async () => {
    const { key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const stub = callStub(callId);
    await stub.applyProviderEvent({ status: "in-progress" });
    await runInDurableObject(stub, async (_instance: CallObject, state) => {
      expect((await state.storage.get<any>("state"))?.status).toBe("in-progress");
      expect(await state.storage.get<any[]>("outbox")).toEqual([]);
    });
    const { evictDurableObject } = await import("cloudflare:test");
    await evictDurableObject(stub);
    expect(await callStub(callId).status()).toBe("in-progress");
    expect((await hangup(key, callId)).status).toBe(200);
    expect(expectWellFormedHistory(await getEvents(key, callId)).at(-1)).toBe("failed");
  });
});

describe("call object: simulator endings", () => {
  it.each([
    ["no_answer", "failed", null],
    ["busy", "failed", null],
    ["voicemail", "completed", "voicemail"],
    ["human", "completed", "human"],
  ] as const)("outcome %s ends %s", async (outcome, status, reportOutcome) => {
    const { key, patient, agent } = await setup({ simulator: { outcome, durationMs: 200 } });
    const callId = await placeCall(key, patient.patient_id, agent.id);
    await playCall(callId, status);
    const c = await getCall(key, callId);
    expect(c.outcome).toBe(outcome);
    if (reportOutcome === null) {
      expect(c.final_report).toBeNull();
      expect(c.ended_at).not.toBeNull();
    } else {
      expect(c.final_report).toMatchObject({ outcome: reportOutcome });
      expect(c.duration).not.toBeNull();
    }
    const transitions = expectWellFormedHistory(await getEvents(key, callId));
    expect(transitions.at(-1)).toBe(status);
    if (status === "failed") expect(transitions).not.toContain("in-progress");
    else expect(transitions).toEqual(["queued", "initiating", "dialing", "in-progress", "summarizing", "completed"]);
  });
});

describe("call object: D1 write-through retry", () => {
  afterEach(async () => {
    // Whatever happened, leave the table where the rest of the suite expects it.
    const hidden = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'call_events_hidden'").first();
    if (hidden) await env.DB.prepare("ALTER TABLE call_events_hidden RENAME TO call_events").run();
  });

  it("a transition whose D1 write fails reaches D1 on the alarm's retry; nothing is lost", async () => {
    const { key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const stub = callStub(callId);
    await stub.applyProviderEvent({ status: "in-progress" });
    const before = await getEvents(key, callId);

    await env.DB.prepare("ALTER TABLE call_events RENAME TO call_events_hidden").run();
    // The call object decides at once (the API answers), but D1 cannot take the write.
    expect((await hangup(key, callId)).status).toBe(200);
    expect(await stub.status()).toBe("failed");
    const stale = await getCall(key, callId);
    expect(stale.status).toBe("in-progress"); // the row and its events are written together, or not at all
    const pending = await runInDurableObject(stub, async (_i: CallObject, state) => ({
      outbox: (await state.storage.get<any[]>("outbox")) ?? [],
      retryWriteAt: await state.storage.get<number>("retryWriteAt"),
      alarm: await state.storage.getAlarm(),
    }));
    expect(pending.outbox.map((e) => e.type)).toEqual(expect.arrayContaining(["hangup", "provider.hangup"]));
    expect(pending.retryWriteAt).toBeGreaterThan(Date.now() - 1000);
    expect(pending.alarm).toBe(pending.retryWriteAt);

    await env.DB.prepare("ALTER TABLE call_events_hidden RENAME TO call_events").run();
    // The retry alarm, run now as of its time (or, if the runtime got there first, its run awaited).
    await runCallAlarm(callId);
    const c = await getCall(key, callId);
    expect(c).toMatchObject({ status: "failed", outcome: "hung_up_by_api" });
    const events = await getEvents(key, callId);
    expect(events.slice(0, before.length)).toEqual(before);
    const transitions = expectWellFormedHistory(events);
    expect(transitions).toEqual(["queued", "initiating", "dialing", "in-progress", "failed"]);
    expect(events.map((e) => e.type)).toEqual([...before.map((e) => e.type), "hangup", "provider.hangup"]);
    // outbox drained, no retry pending, no alarm left
    const after = await runInDurableObject(stub, async (_i: CallObject, state) => ({
      outbox: await state.storage.get<any[]>("outbox"),
      retryWriteAt: await state.storage.get<number | null>("retryWriteAt"),
      alarm: await state.storage.getAlarm(),
    }));
    expect(after).toEqual({ outbox: [], retryWriteAt: null, alarm: null });
  });

  it("transitions made on alarms during an outage all reach D1, in order, once it is back", async () => {
    const { key, patient, agent } = await setup({ simulator: { durationMs: 200 } });
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const stub = callStub(callId);
    await env.DB.prepare("ALTER TABLE call_events RENAME TO call_events_hidden").run();
    // The script plays on regardless: the call object is the authority, D1 its copy.
    for (let run = 0; run < 10 && (await stub.status()) !== "completed"; run++) await runCallAlarm(callId);
    expect(await stub.status()).toBe("completed");
    expect((await getCall(key, callId)).status).toBe("initiating");
    await env.DB.prepare("ALTER TABLE call_events_hidden RENAME TO call_events").run();

    const retryAt = await runInDurableObject(stub, async (_i: CallObject, state) => state.storage.get<number>("retryWriteAt"));
    expect(retryAt).toEqual(expect.any(Number));
    await runCallAlarm(callId);
    const c = await getCall(key, callId);
    expect(c).toMatchObject({ status: "completed", outcome: "human", final_report: { outcome: "human" } });
    expect(c.duration).not.toBeNull();
    const transitions = expectWellFormedHistory(await getEvents(key, callId));
    expect(transitions).toEqual(["queued", "initiating", "dialing", "in-progress", "summarizing", "completed"]);
  });
});
