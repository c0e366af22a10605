import { beforeEach, describe, expect, it } from "vitest";
import { fakeRetell } from "../fakes/retell";
import { historyOf } from "../helpers/calls";
import { tickCall } from "../helpers/objects";
import { api, postWebhook } from "../helpers/http";
import { callStub } from "../helpers/objects";
import { placeCall } from "../helpers/calls";
import { server } from "../network";
import { vendorSetup } from "../helpers/vendors";
import { callRow } from "../helpers/calls";

const KEY = "key_watchdog0123456789abcdef012345";
const retell = fakeRetell(KEY, { post: postWebhook });
beforeEach(() => server.use(...retell.handlers));

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** A call on a vendor (it moves only when the test says what the vendor reported) whose agent allows `maxDurationSeconds` of talk. */
async function longCall(maxDurationSeconds: number) {
  const s = await vendorSetup([{ provider: "retell", agent: "agent_abc" }], { retell: { apiKey: KEY, fromNumber: "+14155550100" } });
  const patched = await api(`/api/v1/agents/${s.agent.id}`, { method: "PATCH", key: s.key, json: { maxDurationSeconds } });
  expect(patched.status).toBe(200);
  const callId = await placeCall(s.key, s.patient.patient_id, s.agent.id);
  return { ...s, callId, stub: callStub(callId) };
}

describe("the watchdog counts talk time against the agent's maximum, not ringing or summarizing", () => {
  it("a call that rings longer than the maximum is not cut off for it", async () => {
    const { callId, stub } = await longCall(60);
    await stub.applyProviderEvent({ status: "dialing" });
    const dialedAt = Date.now();
    await tickCall(callId, dialedAt + 61 * SECOND);
    expect(await stub.status()).toBe("dialing");
    // Picked up after 90 s of ringing, then talks to the agent's maximum.
    await stub.applyProviderEvent({ status: "in-progress", outcome: "human" });
    const answeredAt = Date.now();
    await tickCall(callId, answeredAt + 59 * SECOND);
    expect(await stub.status()).toBe("in-progress");
  });

  it("a call summarizing past the maximum is completed without a report, not failed", async () => {
    const { callId, stub } = await longCall(60);
    await stub.applyProviderEvent({ status: "in-progress", outcome: "human" });
    await stub.applyProviderEvent({ status: "summarizing", outcome: "human" });
    const endedAt = Date.now();
    await tickCall(callId, endedAt + 2 * MINUTE);
    expect(await stub.status()).toBe("summarizing");
    await tickCall(callId, endedAt + 16 * MINUTE);
    expect(await callRow(callId)).toMatchObject({ status: "completed", outcome: "human" });
    expect(JSON.parse((await callRow(callId))!.final_report)).toMatchObject({ outcome: "human", report: "none received from the provider" });
  });

  it("a call that talks past the maximum (its vendor gone quiet) is ended by the watchdog", async () => {
    const { callId, stub } = await longCall(60);
    await stub.applyProviderEvent({ status: "in-progress", outcome: "human" });
    const answeredAt = Date.now();
    await tickCall(callId, answeredAt + 60 * SECOND + 3 * MINUTE);
    expect(await callRow(callId)).toMatchObject({ status: "failed", outcome: "provider_error" });
    expect((await historyOf(callId)).find((e) => e.type === "watchdog")).toMatchObject({ to_status: "failed", detail: { stage: "in-progress", maxDurationSeconds: 60 } });
  });

  it("a call that never gets past ringing is ended after the documented ringing limit", async () => {
    const { callId, stub } = await longCall(900);
    await stub.applyProviderEvent({ status: "dialing" });
    const dialedAt = Date.now();
    await tickCall(callId, dialedAt + 4 * MINUTE);
    expect(await stub.status()).toBe("dialing");
    await tickCall(callId, dialedAt + 5 * MINUTE + SECOND);
    expect(await callRow(callId)).toMatchObject({ status: "failed", outcome: "provider_error" });
    expect((await historyOf(callId)).find((e) => e.type === "watchdog")).toMatchObject({ to_status: "failed", detail: { stage: "dialing", ringLimitSeconds: 300 } });
  });
});
