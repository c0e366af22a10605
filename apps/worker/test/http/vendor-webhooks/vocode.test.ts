import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeVocode, vocodeEnded, vocodePickedUp } from "../../fakes/vocode";
import { postWebhook } from "../../helpers/http";
import { placeOnVendor } from "../../helpers/vendors";
import { getCall, getEvents, hangup, statusWalk } from "../../helpers/calls";
import { waitForCall } from "../../helpers/wait";
import { server } from "../../network";

const KEY = "vocode_live_9d8c7b6a5f4e3d2c1b0a";
const AGENT = "6f1d2c3b-4a59-4e8f-9a0b-1c2d3e4f5a6b";
const vocode = fakeVocode(KEY, { post: postWebhook });
beforeEach(() => server.use(...vocode.handlers));

async function vocodeCall(extra: Record<string, unknown> = {}) {
  const placed = await placeOnVendor("vocode", AGENT, { apiKey: KEY, fromNumber: "+15555550199", options: { onNoHumanAnswer: "hangup", hipaaCompliant: true } }, extra);
  return { ...placed, vendorCall: vocode.callTo(placed.patient.phone_number) };
}

describe("vocode: webhooks", () => {
  it("reaches completed: each unsigned event is checked against GET /v1/calls before it counts", async () => {
    const { key, callId, url, vendorCall } = await vocodeCall();
    // The event claims the call connected, but Vocode itself still says it has not: nothing moves.
    const early = await vocode.send(url, "event_phone_call_connected", { ...vendorCall, status: "in_progress", stage: "picked_up" });
    expect(early.body).toMatchObject({ received: true, applied: 0 });
    await waitForCall(key, callId, () => vocode.requests.some((r) => r.method === "GET"));
    expect((await getCall(key, callId)).status).toBe("initiating");

    vocodePickedUp(vendorCall);
    await vocode.send(url, "event_phone_call_connected", vendorCall);
    await waitForCall(key, callId, (c) => c.status === "in-progress");
    expect(vocode.requests.filter((r) => r.method === "GET").at(-1)!.url).toBe(`https://api.vocode.dev/v1/calls?id=${vendorCall.id}`);

    vocodeEnded(vendorCall);
    await vocode.send(url, "event_phone_call_ended", vendorCall);
    const call = await waitForCall(key, callId, (c) => c.status === "completed");
    expect(call).toMatchObject({
      status: "completed",
      outcome: "human",
      final_report: { outcome: "human", stage: "picked_up", stage_outcome: "human_disconnected", human_detection_result: "human", recording_available: true },
    });
    const row = await env.DB.prepare("SELECT transcript FROM calls WHERE id = ?").bind(callId).first<any>();
    expect(JSON.parse(row.transcript)).toEqual([
      { role: "agent", text: "Hello, this is Sunrise Clinic." },
      { role: "patient", text: "Hi, yes." },
      { role: "agent", text: "Your visit is confirmed." },
    ]);
    // A forged "ended" for the finished call changes nothing.
    await vocode.send(url, "event_phone_call_ended", { ...vendorCall, stage_outcome: "human_unanswered" });
    expect(statusWalk(await getEvents(key, callId))).toEqual(["queued", "initiating", "dialing", "in-progress", "summarizing", "completed"]);
  });

  it("a voicemail pickup completes as voicemail", async () => {
    const { key, callId, url, vendorCall } = await vocodeCall();
    vocodeEnded(Object.assign(vocodePickedUp(vendorCall), { human_detection_result: "no_human" }), "bot_disconnected");
    await vocode.send(url, "event_phone_call_ended", vendorCall);
    expect(await waitForCall(key, callId, (c) => c.status === "completed")).toMatchObject({ outcome: "voicemail" });
  });

  it("refuses events on a URL whose secret is wrong, and events for calls it does not know are kept", async () => {
    const { url, vendorCall, key, callId } = await vocodeCall();
    const wrong = await postWebhook(url.slice(0, -4) + "AAAA", JSON.stringify({ type: "event_phone_call_ended", call: vendorCall }), {});
    expect(wrong.status).toBe(401);
    const stranger = await vocode.send(url, "event_phone_call_ended", { ...vendorCall, id: crypto.randomUUID() });
    expect(stranger.body).toMatchObject({ unmatched: 1 });
    const garbage = await postWebhook(url, JSON.stringify({ hello: "world" }), {});
    expect(garbage.status).toBe(400);
    expect((await getCall(key, callId)).status).toBe("initiating");
  });
});
