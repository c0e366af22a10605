import { beforeEach, describe, expect, it } from "vitest";
import { fakeRetell, retellAnalyzed, retellEnded, retellStarted } from "../fakes/retell";
import { call, postWebhook } from "../helpers/http";
import { getCall, placeCall } from "../helpers/calls";
import { server } from "../network";
import { vendorSetup } from "../helpers/vendors";
import { waitForCall } from "../helpers/wait";

const KEY = "key_vendortimes0123456789abcdef0123";
const retell = fakeRetell(KEY, { post: postWebhook });
beforeEach(() => server.use(...retell.handlers));

describe("the vendor's times are the call's times", () => {
  it("Retell's start and end 61 s apart give started_at, ended_at and duration 61 in every surface, whenever the webhooks arrive", async () => {
    const s = await vendorSetup([{ provider: "retell", agent: "agent_abc" }], { retell: { apiKey: KEY, fromNumber: "+14155550100" } });
    const callId = await placeCall(s.key, s.patient.patient_id, s.agent.id);
    const url = s.webhooks.retell!;
    const start = Date.now() - 90_000;
    const vendorCall = retell.callFor(callId);

    // The webhooks come within a moment of each other; the call itself lasted 61 s.
    await retell.send(url, "call_started", { ...retellStarted(vendorCall), start_timestamp: start });
    await retell.send(url, "call_ended", { ...retellEnded(vendorCall), start_timestamp: start, end_timestamp: start + 61_000 });
    await retell.send(url, "call_analyzed", { ...retellAnalyzed(vendorCall), start_timestamp: start, end_timestamp: start + 61_000 });
    const done = await waitForCall(s.key, callId, (c) => c.status === "completed");
    expect(done).toMatchObject({ started_at: new Date(start).toISOString(), ended_at: new Date(start + 61_000).toISOString(), duration: 61 });

    const vocode = await call(`/v1/calls?id=${callId}`, { headers: { Authorization: `Bearer ${s.key}` } });
    expect(vocode.body).toMatchObject({ start_time: new Date(start).toISOString(), end_time: new Date(start + 61_000).toISOString() });
    const voipbin = await call(`/v1.0/aicalls/${callId}`, { headers: { Authorization: `Bearer ${s.key}` } });
    expect(voipbin.body.tm_end).toBe(new Date(start + 61_000).toISOString().replace("T", " ").replace("Z", "000"));
    expect((await getCall(s.key, callId)).duration).toBe(61);
  });

  it("an event that arrives after the end still brings the vendor's times", async () => {
    const s = await vendorSetup([{ provider: "retell", agent: "agent_abc" }], { retell: { apiKey: KEY, fromNumber: "+14155550100" } });
    const callId = await placeCall(s.key, s.patient.patient_id, s.agent.id);
    const url = s.webhooks.retell!;
    const vendorCall = retell.callFor(callId);
    const start = Date.now() - 120_000;
    // call_analyzed first (reordered), without times; the times come with the late call_ended.
    await retell.send(url, "call_analyzed", { ...retellAnalyzed(retellEnded(retellStarted(vendorCall))), start_timestamp: undefined, end_timestamp: undefined });
    await retell.send(url, "call_ended", { ...vendorCall, start_timestamp: start, end_timestamp: start + 45_000 });
    const done = await waitForCall(s.key, callId, (c) => c.duration === 45);
    expect(done).toMatchObject({ status: "completed", started_at: new Date(start).toISOString(), duration: 45 });
  });
});
