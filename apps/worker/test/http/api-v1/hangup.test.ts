import { canTransition, isTerminal, type CallStatus } from "@switchboard/schemas";
import { describe, expect, it } from "vitest";
import { expectEnvelope } from "../../helpers/http";
import { setup } from "../../helpers/tenants";
import { getCall, getEvents, hangup, placeCall } from "../../helpers/calls";
import { callStub, playCall } from "../../helpers/objects";
import { sleep } from "../../helpers/wait";

const NO_SUCH_CALL = "There are no ongoing calls with that call ID";
const NOT_HANGABLE = "Call was not in a status that could be hung up";

/** The status changes in a call's history form one legal chain that ends at the status D1 shows. */
async function expectConsistentHistory(key: string, callId: string) {
  const [callRow, events] = await Promise.all([getCall(key, callId), getEvents(key, callId)]);
  const transitions = events.filter((e) => e.to_status !== null);
  expect(transitions[0]).toMatchObject({ seq: 0, type: "created", from_status: null });
  for (let i = 1; i < transitions.length; i++) {
    const [prev, next] = [transitions[i - 1], transitions[i]];
    expect(next.from_status, `seq ${next.seq}`).toBe(prev.to_status);
    expect(canTransition(next.from_status as CallStatus, next.to_status as CallStatus), `${next.from_status} -> ${next.to_status}`).toBe(true);
  }
  const last = transitions[transitions.length - 1];
  expect(last.to_status).toBe(callRow.status);
  // exactly one ending, and it is the last transition
  expect(transitions.filter((e) => isTerminal(e.to_status)).length).toBe(isTerminal(callRow.status) ? 1 : 0);
  return { call: callRow, events, transitions };
}

describe("DELETE /api/v1/calls/{id} (hangup)", () => {
  it("hangs up a live call: 200, and the call ends failed", async () => {
    const { key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const res = await hangup(key, callId);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ callId, message: "Call terminated successfully" });
    // Written through to D1 before the answer: no polling needed.
    const c = await getCall(key, callId);
    expect(c).toMatchObject({ status: "failed", outcome: "hung_up_by_api", started_at: null, duration: null });
    expect(c.ended_at).not.toBeNull();
    const { transitions, events } = await expectConsistentHistory(key, callId);
    expect(transitions.at(-1)).toMatchObject({ type: "hangup", from_status: "initiating", to_status: "failed", detail: { outcome: "hung_up_by_api" } });
    expect(events.map((e) => e.type)).toContain("provider.hangup");
    expect(await callStub(callId).status()).toBe("failed");
  });

  it("hangs up a call that is dialing or in progress, with a duration once it had started", async () => {
    const { key, patient, agent } = await setup();
    for (const stage of ["dialing", "in-progress"] as const) {
      const callId = await placeCall(key, patient.patient_id, agent.id);
      expect(await callStub(callId).applyProviderEvent({ status: stage })).toBe(true);
      await sleep(5);
      const res = await hangup(key, callId);
      expect(res.status, stage).toBe(200);
      const c = await getCall(key, callId);
      expect(c).toMatchObject({ status: "failed", outcome: "hung_up_by_api" });
      expect(c.started_at).not.toBeNull();
      expect(c.duration).toBe(Math.round((Date.parse(c.ended_at) - Date.parse(c.started_at)) / 1000));
      const { transitions } = await expectConsistentHistory(key, callId);
      expect(transitions.at(-1)).toMatchObject({ type: "hangup", from_status: stage, to_status: "failed" });
    }
  });

  it("answers 400 'no ongoing calls' for an unknown id", async () => {
    const { key } = await setup();
    for (const id of ["99999999-9999-4999-8999-999999999999", "not-a-call", "campaigns"]) {
      const res = await hangup(key, id);
      expect(res.status).toBe(400);
      expectEnvelope(res.body, 400, `/api/v1/calls/${id}`, "DELETE", NO_SUCH_CALL);
    }
  });

  it("answers 400 'not hangable' for a completed call, a summarizing call and a second hangup", async () => {
    const { key, patient, agent } = await setup({ simulator: { durationMs: 200 } });
    const done = await placeCall(key, patient.patient_id, agent.id);
    await playCall(done, "completed");
    const res = await hangup(key, done);
    expect(res.status).toBe(400);
    expectEnvelope(res.body, 400, `/api/v1/calls/${done}`, "DELETE", NOT_HANGABLE);
    expect((await getCall(key, done)).status).toBe("completed");

    const { key: k2, patient: p2, agent: slow } = await setup();
    const summarizing = await placeCall(k2, p2.patient_id, slow.id);
    expect(await callStub(summarizing).applyProviderEvent({ status: "summarizing" })).toBe(true);
    const late = await hangup(k2, summarizing);
    expect(late.status).toBe(400);
    expect(late.body.error.message).toBe(NOT_HANGABLE);
    expect((await getCall(k2, summarizing)).status).toBe("summarizing");

    const twice = await placeCall(k2, p2.patient_id, slow.id);
    expect((await hangup(k2, twice)).status).toBe(200);
    const again = await hangup(k2, twice);
    expect(again.status).toBe(400);
    expect(again.body.error.message).toBe(NOT_HANGABLE);
    await expectConsistentHistory(k2, twice);
  });

  it("12 concurrent hangups of one call: exactly one 200, the rest 400 not hangable", async () => {
    const { key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    await callStub(callId).applyProviderEvent({ status: "in-progress" });
    const results = await Promise.all(Array.from({ length: 12 }, () => hangup(key, callId)));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.body).toEqual({ callId, message: "Call terminated successfully" });
    expect(refused).toHaveLength(11);
    for (const r of refused) {
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe(NOT_HANGABLE);
    }
    const { events } = await expectConsistentHistory(key, callId);
    expect(events.filter((e) => e.type === "hangup")).toHaveLength(1);
    expect((await getCall(key, callId)).status).toBe("failed");
  });

  it("a hangup racing the provider's own end has one winner, consistent in D1 and the history", async () => {
    const { key, patient, agent } = await setup();
    for (let i = 0; i < 6; i++) {
      const callId = await placeCall(key, patient.patient_id, agent.id);
      const stub = callStub(callId);
      await stub.applyProviderEvent({ status: "in-progress" });
      const end = { status: "completed" as const, outcome: "human" as const, finalReport: { outcome: "human" } };
      // Alternate who is sent first; both are in flight together.
      const [hung, ended] =
        i % 2 === 0
          ? await Promise.all([hangup(key, callId), stub.applyProviderEvent(end)])
          : await Promise.all([stub.applyProviderEvent(end), hangup(key, callId)]).then(([e, h]) => [h, e] as const);
      // exactly one of them moved the call
      expect(hung.status === 200, `trial ${i}`).toBe(!ended);
      const { call: c, events } = await expectConsistentHistory(key, callId);
      if (hung.status === 200) {
        expect(c).toMatchObject({ status: "failed", outcome: "hung_up_by_api", final_report: null });
      } else {
        expect(hung.body.error.message).toBe(NOT_HANGABLE);
        expect(c).toMatchObject({ status: "completed", outcome: "human", final_report: { outcome: "human" } });
        expect(events.some((e) => e.type === "hangup")).toBe(false);
      }
      expect(await stub.status()).toBe(c.status);
    }
  });

  it("a hangup racing the simulator's scripted end (on alarms) stays consistent", async () => {
    const { key, patient, agent } = await setup({ simulator: { durationMs: 300 } });
    const calls: { callId: string; hung: Promise<Awaited<ReturnType<typeof hangup>>> }[] = [];
    // Hang up at offsets around the point the call stops being hangable (summarizing at ~255 ms).
    for (const offset of [150, 200, 230, 245, 255, 265, 280, 320]) {
      const callId = await placeCall(key, patient.patient_id, agent.id);
      calls.push({ callId, hung: sleep(offset).then(() => hangup(key, callId)) });
    }
    for (const { callId, hung } of calls) {
      const res = await hung;
      // The race is over: play what is left of the script, on the call's alarms.
      await playCall(callId);
      const ended = await getCall(key, callId);
      const { call: c } = await expectConsistentHistory(key, callId);
      if (res.status === 200) {
        expect(ended.status).toBe("failed");
        expect(c.outcome).toBe("hung_up_by_api");
      } else {
        expect(res.status).toBe(400);
        expect(res.body.error.message).toBe(NOT_HANGABLE);
        expect(ended.status).toBe("completed");
      }
    }
  });
});
