import { env } from "cloudflare:workers";
import { createProvider, VOCODE_STAGE_OUTCOMES, VOCODE_STAGES, VOCODE_STATUSES } from "@switchboard/providers";
import { beforeEach, describe, expect, it } from "vitest";
import { reconcileQuietCalls } from "../../src/calls/reconcile";
import { fakeVocode, vocodeEnded, vocodePickedUp } from "../fakes/vocode";
import { postWebhook } from "../helpers/http";
import { vendorSetup } from "../helpers/vendors";
import { getCall, getEvents, hangup, placeCall, statusWalk } from "../helpers/calls";
import { waitForCall } from "../helpers/wait";
import { server } from "../network";

const KEY = "vocode_live_9d8c7b6a5f4e3d2c1b0a";
const AGENT = "6f1d2c3b-4a59-4e8f-9a0b-1c2d3e4f5a6b";
const vocode = fakeVocode(KEY, { post: postWebhook });
beforeEach(() => server.use(...vocode.handlers));

async function vocodeCall(extra: Record<string, unknown> = {}) {
  const setup = await vendorSetup([{ provider: "vocode", agent: AGENT }], {
    vocode: { apiKey: KEY, fromNumber: "+15555550199", options: { onNoHumanAnswer: "hangup", hipaaCompliant: true } },
  });
  const callId = await placeCall(setup.key, setup.patient.patient_id, setup.agent.id, extra);
  return { ...setup, callId, url: setup.webhooks.vocode!, vendorCall: vocode.callTo(setup.patient.phone_number) };
}

describe("vocode", () => {
  it("creates the call as the reference documents", async () => {
    const { patient, vendorCall, key, callId } = await vocodeCall({ reason: "billing" });
    const create = vocode.requests.find((r) => r.url.endsWith("/v1/calls/create") && r.body.to_number === patient.phone_number)!;
    expect(create.url).toBe("https://api.vocode.dev/v1/calls/create");
    expect(create.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(create.headers["content-type"]).toBe("application/json");
    expect(create.body).toEqual({
      from_number: "+15555550199",
      to_number: patient.phone_number,
      agent: AGENT,
      context: { reason: "billing" },
      on_no_human_answer: "hangup",
      hipaa_compliant: true,
    });
    const row = await env.DB.prepare("SELECT provider_call_id FROM calls WHERE id = ?").bind(callId).first<any>();
    expect(row.provider_call_id).toBe(vendorCall.id);
    expect((await getCall(key, callId)).status).toBe("initiating");
  });

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

  it("hangs up through /v1/calls/end", async () => {
    const { key, callId, vendorCall } = await vocodeCall();
    expect((await hangup(key, callId)).status).toBe(200);
    const end = vocode.requests.find((r) => r.url.includes("/v1/calls/end"))!;
    expect(end).toMatchObject({ method: "POST", url: `https://api.vocode.dev/v1/calls/end?id=${vendorCall.id}` });
    expect(end.headers.authorization).toBe(`Bearer ${KEY}`);
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

  it("reconciles a call whose webhooks never came", async () => {
    const { key, callId, vendorCall } = await vocodeCall();
    vocodeEnded(vocodePickedUp(vendorCall), "transfer_disconnected");
    await reconcileQuietCalls(env, Date.now() + 3 * 60_000);
    expect(await waitForCall(key, callId, (c) => c.status === "completed")).toMatchObject({ outcome: "transferred" });
  });

  describe("status map", () => {
    const adapter = createProvider("vocode", { credentials: { apiKey: KEY, options: {} } });
    const STAGES: Record<string, string> = {
      created: "dialing/undefined",
      picked_up: "in-progress/human",
      transfer_started: "in-progress/human",
      transfer_successful: "in-progress/transferred",
    };
    const OUTCOMES: Record<string, string> = {
      human_unanswered: "failed/no_answer",
      call_did_not_connect: "failed/no_answer",
      human_disconnected: "completed/human",
      bot_disconnected: "completed/human",
      transfer_unanswered: "completed/human",
      transfer_disconnected: "completed/transferred",
    };
    const read = (e: { status?: string; outcome?: string }) => `${e.status}/${e.outcome}`;

    it("tables cover the reference's enums", () => {
      expect(Object.keys(VOCODE_STAGES).sort()).toEqual(Object.keys(STAGES).sort());
      expect(Object.keys(VOCODE_STAGE_OUTCOMES).sort()).toEqual(Object.keys(OUTCOMES).sort());
      expect(Object.keys(VOCODE_STATUSES).sort()).toEqual(["error", "not_started"]);
    });
    it.each(Object.entries(STAGES))("in_progress, stage %s", (stage, expected) => expect(read(VOCODE_STAGES[stage]!)).toBe(expected));
    it.each(Object.entries(OUTCOMES))("ended, stage_outcome %s", (outcome, expected) => expect(read(VOCODE_STAGE_OUTCOMES[outcome]!)).toBe(expected));
    it("not_started moves nothing; error fails", () => {
      expect(VOCODE_STATUSES.not_started).toEqual({});
      expect(read(VOCODE_STATUSES.error!)).toBe("failed/provider_error");
    });
    it("webhooks only ask for a check", () => {
      expect(adapter.parseWebhook!(JSON.stringify({ type: "event_phone_call_ended", call: { id: "v1" } }))).toEqual([
        { type: "event_phone_call_ended", providerCallId: "v1", event: {}, confirm: true },
      ]);
    });
  });
});
