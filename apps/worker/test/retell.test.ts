import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createProvider, RETELL_CALL_STATUSES, RETELL_DISCONNECTION_REASONS } from "@switchboard/providers";
import { HttpResponse } from "msw";
import Retell from "retell-sdk";
import { beforeEach, describe, expect, it } from "vitest";
import { reconcileQuietCalls } from "../src/calls/reconcile";
import { Internal } from "../src/internal";
import { fakeRetell, retellAnalyzed, retellEnded, retellStarted } from "./fakes/retell";
import { api, getCall, getEvents, hangup, json, placeCall } from "./helpers";
import { eventsOf, fakeNetwork, postWebhook, statusWalk, vendorSetup, waitForCall } from "./providers-helpers";

const network = fakeNetwork();
const KEY = "key_3f9a1c2b7d4e5f60718293a4b5c6d7e8";
const retell = fakeRetell(KEY);
beforeEach(() => network.use(...retell.handlers));

async function retellCall(extra: Record<string, unknown> = {}) {
  const setup = await vendorSetup([{ provider: "retell", agent: "agent_abc" }], { retell: { apiKey: KEY, fromNumber: "+1 (415) 777-4444" } });
  const callId = await placeCall(setup.key, setup.patient.patient_id, setup.agent.id, extra);
  return { ...setup, callId, url: setup.webhooks.retell!, vendorCall: retell.callFor(callId) };
}

describe("retell: placing and hanging up", () => {
  it("creates the phone call exactly as the API reference says", async () => {
    const { callId, patient, agent, key } = await retellCall({ reason: "appointment reminder" });
    const created = retell.requests.find((r) => r.body?.metadata?.switchboard_call_id === callId)!;
    expect(created.method).toBe("POST");
    expect(created.url).toBe("https://api.retellai.com/v2/create-phone-call");
    expect(created.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(created.headers["content-type"]).toBe("application/json");
    expect(created.body).toEqual({
      from_number: "+14157774444",
      to_number: patient.phone_number,
      override_agent_id: "agent_abc",
      metadata: { switchboard_call_id: callId, switchboard_attempt: 1, switchboard_agent_id: agent.id },
      retell_llm_dynamic_variables: { reason: "appointment reminder" },
    });
    const call = await getCall(key, callId);
    expect(call.status).toBe("initiating");
    const events = await getEvents(key, callId);
    expect(eventsOf(events, "provider.placed")[0].detail).toEqual({ provider: "retell", providerCallId: retell.callFor(callId).call_id });
  });

  it("passes the patient's extended data as dynamic variables", async () => {
    const setup = await vendorSetup([{ provider: "retell", agent: "agent_abc" }], { retell: { apiKey: KEY, fromNumber: "+14157774444" } });
    const res = await api("/api/v1/calls", {
      method: "POST",
      key: setup.key,
      json: {
        patients: [{ patientId: setup.patient.patient_id, extended: { appointment: { name: "General Check Up", start_time: "Dec 2 at 10:30 AM" }, visits: 3 } }],
        agentId: setup.agent.id,
        reason: "reminder",
      },
    });
    const callId = (await json(res)).calls[0].callId;
    const created = retell.requests.find((r) => r.body?.metadata?.switchboard_call_id === callId)!;
    expect(created.body.retell_llm_dynamic_variables).toEqual({
      appointment_name: "General Check Up",
      appointment_start_time: "Dec 2 at 10:30 AM",
      visits: "3",
      reason: "reminder",
    });
  });

  it("keeps the credentials while a call is live on them (409)", async () => {
    const { key, callId } = await retellCall();
    const refused = await api("/api/v1/providers/retell", { method: "DELETE", key });
    expect(refused.status).toBe(409);
    expect((await json(refused)).error.message).toBe("1 calls are live on retell; hang them up or wait for them to end");
    await hangup(key, callId);
    expect((await api("/api/v1/providers/retell", { method: "DELETE", key })).status).toBe(200);
  });

  it("hangs up through stop-call", async () => {
    const { key, callId, vendorCall } = await retellCall();
    const res = await hangup(key, callId);
    expect(res.status).toBe(200);
    const stop = retell.requests.find((r) => r.url.endsWith(`/v2/stop-call/${vendorCall.call_id}`))!;
    expect(stop).toMatchObject({ method: "POST", url: `https://api.retellai.com/v2/stop-call/${vendorCall.call_id}` });
    expect(stop.headers.authorization).toBe(`Bearer ${KEY}`);
    const events = await getEvents(key, callId);
    expect(eventsOf(events, "provider.hangup")).toHaveLength(1);
    expect((await getCall(key, callId)).outcome).toBe("hung_up_by_api");
  });
});

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

describe("retell: reconciliation", () => {
  it("asks get-call about a call whose webhooks never came, after the quiet period", async () => {
    const { key, callId, vendorCall } = await retellCall();
    retellAnalyzed(retellEnded(retellStarted(vendorCall)));
    // Not quiet yet: nothing asked.
    expect((await reconcileQuietCalls(env, Date.now())).checked).toBe(0);
    const report = await reconcileQuietCalls(env, Date.now() + 3 * 60_000);
    expect(report.moved).toBeGreaterThanOrEqual(1);
    expect(retell.requests.some((r) => r.method === "GET" && r.url === `https://api.retellai.com/v2/get-call/${vendorCall.call_id}`)).toBe(true);
    const call = await waitForCall(key, callId, (c) => c.status === "completed");
    expect(call).toMatchObject({ status: "completed", outcome: "human", final_report: { call_summary: "The patient confirmed the appointment." } });
    const reconciled = eventsOf(await getEvents(key, callId), "provider.reconciled");
    expect(reconciled.map((e) => e.to_status)).toEqual(["dialing", "in-progress", "summarizing", "completed"]);
    expect(reconciled.at(-1).detail).toMatchObject({ via: "reconciliation" });
  });

  it("is what the cron's Internal.reconcileCalls runs", async () => {
    const { key, callId, vendorCall } = await retellCall();
    retellEnded(retellStarted(vendorCall), "dial_busy");
    const internal = new Internal(createExecutionContext(), env);
    const report = await internal.reconcileCalls(Date.now() + 3 * 60_000);
    expect(report.checked).toBeGreaterThanOrEqual(1);
    expect(await waitForCall(key, callId, (c) => c.status === "failed")).toMatchObject({ outcome: "busy" });
  });

  it("leaves an ongoing call as it is", async () => {
    const { key, callId, url, vendorCall } = await retellCall();
    await retell.send(url, "call_started", retellStarted(vendorCall));
    await reconcileQuietCalls(env, Date.now() + 3 * 60_000);
    expect((await getCall(key, callId)).status).toBe("in-progress");
  });
});

describe("retell: status map", () => {
  /** Expected here, independently of the adapter's table: [answered, outcome]. */
  const EXPECTED: Record<string, [boolean, string]> = {
    user_hangup: [true, "human"],
    agent_hangup: [true, "human"],
    inactivity: [true, "human"],
    max_duration_reached: [true, "human"],
    transfer_cancelled: [true, "human"],
    call_transfer: [true, "transferred"],
    transfer_bridged: [true, "transferred"],
    call_take_over: [true, "transferred"],
    voicemail_reached: [true, "voicemail"],
    ivr_reached: [true, "voicemail"],
    dial_no_answer: [false, "no_answer"],
    dial_busy: [false, "busy"],
    user_declined: [false, "busy"],
    invalid_destination: [false, "invalid_number"],
    manual_stopped: [false, "hung_up_by_api"],
    dial_failed: [false, "provider_error"],
    marked_as_spam: [false, "provider_error"],
    scam_detected: [false, "provider_error"],
    concurrency_limit_reached: [false, "provider_error"],
    no_concurrency_fallback: [false, "provider_error"],
    no_valid_payment: [false, "provider_error"],
    telephony_provider_permission_denied: [false, "provider_error"],
    telephony_provider_unavailable: [false, "provider_error"],
    sip_routing_error: [false, "provider_error"],
    registered_call_timeout: [false, "provider_error"],
    error_user_not_joined: [false, "provider_error"],
    error_no_audio_received: [false, "provider_error"],
    error_asr: [false, "provider_error"],
    error_llm_websocket_open: [false, "provider_error"],
    error_llm_websocket_lost_connection: [false, "provider_error"],
    error_llm_websocket_runtime: [false, "provider_error"],
    error_llm_websocket_corrupt_payload: [false, "provider_error"],
    error_retell: [false, "provider_error"],
    error_unknown: [false, "provider_error"],
  };
  const adapter = createProvider("retell", { credentials: { apiKey: KEY, options: {} } });
  const parse = (event: string, reason: string) =>
    adapter.parseWebhook!(JSON.stringify({ event, call: { call_id: "c1", disconnection_reason: reason, call_analysis: { call_summary: "s" } } }))[0]!.event;

  it("covers every disconnection reason in the table, and no other", () => {
    expect(Object.keys(RETELL_DISCONNECTION_REASONS).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))("%s", (reason, [answered, outcome]) => {
    expect(parse("call_ended", reason)).toMatchObject({ status: answered ? "summarizing" : "failed", outcome });
    expect(parse("call_analyzed", reason)).toMatchObject({ status: answered ? "completed" : "failed", outcome, finalReport: { outcome, call_summary: "s" } });
  });

  it("reads a reason Retell adds later by whether the call was answered", () => {
    expect(parse("call_ended", "some_new_reason")).toMatchObject({ status: "summarizing", outcome: "human", ifUnanswered: { status: "failed", outcome: "provider_error" } });
  });

  it.each([
    ["registered", { status: "dialing" }],
    ["ongoing", { status: "in-progress", outcome: "human" }],
    ["error", { status: "failed", outcome: "provider_error" }],
  ])("get-call status %s", (status, expected) => {
    expect(RETELL_CALL_STATUSES[status]).toEqual(expected);
  });

  it("call_started is an answer", () => {
    expect(adapter.parseWebhook!(JSON.stringify({ event: "call_started", call: { call_id: "c1" } }))[0]!.event).toEqual({ status: "in-progress", outcome: "human" });
  });
});
