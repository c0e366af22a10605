import { env } from "cloudflare:workers";
import { HttpResponse } from "msw";
import Retell from "retell-sdk";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeRetell, retellAnalyzed, retellEnded, retellStarted } from "../../fakes/retell";
import { api, json, postWebhook } from "../../helpers/http";
import { placeOnVendor, vendorSetup } from "../../helpers/vendors";
import { eventsOf, getCall, getEvents, hangup, statusWalk } from "../../helpers/calls";
import { server } from "../../network";

const KEY = "key_3f9a1c2b7d4e5f60718293a4b5c6d7e8";
const retell = fakeRetell(KEY, { post: postWebhook });
beforeEach(() => server.use(...retell.handlers));

async function retellCall(extra: Record<string, unknown> = {}) {
  const placed = await placeOnVendor("retell", "agent_abc", { apiKey: KEY, fromNumber: "+1 (415) 777-4444" }, extra);
  return { ...placed, vendorCall: retell.callFor(placed.callId) };
}

describe("retell: webhooks drive the call", () => {
  it("reaches completed with Retell's call analysis as the final report, from signed webhooks only", async () => {
    const { key, callId, url, vendorCall } = await retellCall();
    expect((await retell.send(url, "call_started", retellStarted(vendorCall))).body).toMatchObject({ received: true, applied: 1 });
    expect((await getCall(key, callId)).status).toBe("in-progress");
    expect((await retell.send(url, "call_ended", retellEnded(vendorCall))).status).toBe(200);
    expect((await getCall(key, callId)).status).toBe("summarizing");
    await retell.send(url, "call_analyzed", retellAnalyzed(vendorCall));
    const call = await getCall(key, callId);
    expect(call).toMatchObject({
      status: "completed",
      outcome: "human",
      recording_url: vendorCall.recording_url,
      final_report: {
        outcome: "human",
        call_summary: "The patient confirmed the appointment.",
        user_sentiment: "Positive",
        call_successful: true,
        in_voicemail: false,
        custom_analysis_data: { confirmed: true },
      },
    });
    const row = await env.DB.prepare("SELECT transcript, provider, provider_call_id FROM calls WHERE id = ?").bind(callId).first<any>();
    expect(JSON.parse(row.transcript)).toEqual([
      { role: "agent", text: "Hi, this is Ava." },
      { role: "patient", text: "Hi Ava, yes I can make it." },
    ]);
    expect(row).toMatchObject({ provider: "retell", provider_call_id: vendorCall.call_id });
    expect(statusWalk(await getEvents(key, callId))).toEqual(["queued", "initiating", "dialing", "in-progress", "summarizing", "completed"]);
  });

  it("fails a call that rang out, with the reason in the history", async () => {
    const { key, callId, url, vendorCall } = await retellCall();
    await retell.send(url, "call_ended", retellEnded(vendorCall, "dial_no_answer"));
    expect(await getCall(key, callId)).toMatchObject({ status: "failed", outcome: "no_answer" });
    const last = (await getEvents(key, callId)).at(-1);
    expect(last.detail).toMatchObject({ outcome: "no_answer", disconnection_reason: "dial_no_answer" });
  });

  it("takes a webhook that beats the create-phone-call response", async () => {
    const setup = await vendorSetup([{ provider: "retell", agent: "agent_abc" }], { retell: { apiKey: KEY, fromNumber: "+14157774444" } });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let created: any = null;
    retell.failNextCreate(async () => {
      created = { call_id: "call_fast", call_type: "phone_call", agent_id: "agent_abc", call_status: "registered", from_number: "+14157774444", to_number: setup.patient.phone_number, direction: "outbound" };
      await gate;
      return HttpResponse.json(created, { status: 201 });
    });
    const creating = api("/api/v1/calls", { method: "POST", key: setup.key, json: { patients: [{ patientId: setup.patient.patient_id }], agentId: setup.agent.id } });
    while (!created) await new Promise((r) => setTimeout(r, 10));
    const callId = (await json(await api("/api/v1/calls", { key: setup.key }))).data[0].id;
    const early = await retell.send(setup.webhooks.retell!, "call_started", { ...created, call_status: "ongoing", metadata: { switchboard_call_id: callId } });
    expect(early.body).toMatchObject({ applied: 1 });
    release();
    expect((await creating).status).toBe(201);
    const row = await env.DB.prepare("SELECT status, provider_call_id FROM calls WHERE id = ?").bind(callId).first<any>();
    expect(row).toEqual({ status: "in-progress", provider_call_id: "call_fast" });
  });

  it("ignores duplicates and events that arrive after newer ones", async () => {
    const { key, callId, url, vendorCall } = await retellCall();
    const ended = retellEnded(retellStarted(vendorCall));
    expect((await retell.send(url, "call_ended", ended)).body).toMatchObject({ applied: 1 });
    // call_started was sent first but arrives late: it must not move the call back.
    expect((await retell.send(url, "call_started", ended)).body).toMatchObject({ applied: 0, unchanged: 1 });
    expect((await retell.send(url, "call_ended", ended)).body).toMatchObject({ applied: 0, unchanged: 1 });
    expect((await getCall(key, callId)).status).toBe("summarizing");
    await retell.send(url, "call_analyzed", retellAnalyzed(ended));
    expect((await retell.send(url, "call_analyzed", ended)).body).toMatchObject({ applied: 0 });
    expect((await retell.send(url, "call_started", ended)).body).toMatchObject({ applied: 0 });
    expect(statusWalk(await getEvents(key, callId))).toEqual(["queued", "initiating", "dialing", "in-progress", "summarizing", "completed"]);
  });

  it("keeps the analysis that arrives after a hangup, without reopening the call", async () => {
    const { key, callId, url, vendorCall } = await retellCall();
    await retell.send(url, "call_started", retellStarted(vendorCall));
    expect((await hangup(key, callId)).status).toBe(200);
    await retell.send(url, "call_ended", retellEnded(vendorCall, "manual_stopped"));
    await retell.send(url, "call_analyzed", retellAnalyzed(vendorCall));
    const call = await getCall(key, callId);
    expect(call).toMatchObject({ status: "failed", outcome: "hung_up_by_api", final_report: { call_summary: "The patient confirmed the appointment." } });
    expect(statusWalk(await getEvents(key, callId)).at(-1)).toBe("failed");
  });

  it("acknowledges and keeps an event for a call it does not know", async () => {
    const { key, url } = await retellCall();
    const stranger = retellStarted({ ...retell.calls.values().next().value!, call_id: "call_unknown", metadata: { switchboard_call_id: crypto.randomUUID() } });
    const res = await retell.send(url, "call_started", stranger);
    expect(res).toEqual({ status: 200, body: { received: true, applied: 0, unchanged: 0, unmatched: 1 } });
    const kept = await json(await api("/api/v1/providers/retell/unmatched-webhooks", { key }));
    expect(kept.data[0]).toMatchObject({ provider: "retell", eventType: "call_started", providerCallId: "call_unknown" });
    expect(JSON.parse(kept.data[0].payload).call.call_id).toBe("call_unknown");
  });
});

describe("retell: signatures", () => {
  it("accepts what the SDK signs and what its own verify accepts", async () => {
    const { callId, key, url, vendorCall } = await retellCall();
    const body = retell.body("call_started", retellStarted(vendorCall));
    const signature = await Retell.sign(body, KEY);
    expect(await Retell.verify(body, KEY, signature)).toBe(true);
    const res = await postWebhook(url, body, { "x-retell-signature": signature });
    expect(res.status).toBe(200);
    expect((await getCall(key, callId)).status).toBe("in-progress");
  });

  it("refuses tampered bodies, other keys, stale or missing signatures with 401, changing nothing", async () => {
    const { key, callId, url, vendorCall } = await retellCall();
    const started = retellStarted(vendorCall);
    const attempts = [
      retell.send(url, "call_started", started, { tamper: (b) => b.replace("ongoing", "ended") }),
      retell.send(url, "call_started", started, { key: "key_someone_else_entirely_0000" }),
      retell.send(url, "call_started", started, { timestamp: Date.now() - 6 * 60_000 }),
      retell.send(url, "call_started", started, { timestamp: Date.now() + 6 * 60_000 }),
      postWebhook(url, retell.body("call_started", started), {}),
      postWebhook(url, retell.body("call_started", started), { "x-retell-signature": "v=1,d=zz" }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(401);
      expect(res.body.error.message).toBe("Webhook signature missing, invalid or stale");
    }
    expect((await getCall(key, callId)).status).toBe("initiating");
    expect(eventsOf(await getEvents(key, callId), "provider.status")).toHaveLength(0);
    // Inside the five minutes Retell's SDK allows, the same event is taken.
    expect((await retell.send(url, "call_started", started, { timestamp: Date.now() - 4 * 60_000 })).status).toBe(200);
    expect((await getCall(key, callId)).status).toBe("in-progress");
  });

  it("refuses a URL token that is not the tenant's", async () => {
    const { url, vendorCall } = await retellCall();
    const res = await retell.send(url.replace(/whk_.*/, "whk_guessed"), "call_started", vendorCall);
    expect(res.status).toBe(401);
  });
});
