import { env } from "cloudflare:workers";
import { delay, HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { releaseDueCalls } from "../../../src/campaigns/release";
import { fakeRetell, retellStarted } from "../../fakes/retell";
import { fakeVocode, vocodePickedUp } from "../../fakes/vocode";
import { api, json, postWebhook } from "../../helpers/http";
import { vendorSetup } from "../../helpers/vendors";
import { createCalls, eventsOf, getCall, getEvents, placeCall } from "../../helpers/calls";
import { waitForCall } from "../../helpers/wait";
import { server } from "../../network";
import { runDispatcherAlarm } from "../../helpers/objects";

const RETELL_KEY = "key_failover_retell_0123456789ab";
const VOCODE_KEY = "vocode_failover_0123456789";
const VOCODE_AGENT = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
const retell = fakeRetell(RETELL_KEY, { post: postWebhook });
const vocode = fakeVocode(VOCODE_KEY, { post: postWebhook });
beforeEach(() => server.use(...retell.handlers, ...vocode.handlers));

/** Retell first, Vocode as the fallback. */
function twoProviders(retellOptions: Record<string, unknown> = {}) {
  return vendorSetup([{ provider: "retell", agent: "agent_primary" }, { provider: "vocode", agent: VOCODE_AGENT }], {
    retell: { apiKey: RETELL_KEY, fromNumber: "+14155550100", options: retellOptions },
    vocode: { apiKey: VOCODE_KEY, fromNumber: "+14155550101" },
  });
}

function history(events: any[]) {
  return events.filter((e) => e.type.startsWith("provider.")).map((e) => [e.type, e.detail.provider ?? `${e.detail.from}->${e.detail.to}`]);
}

describe("failover", () => {
  it.each([
    ["a 5xx", () => HttpResponse.json({ error_message: "internal" }, { status: 503 }), /failing \(HTTP 503\)/],
    ["its concurrency limit (429)", () => HttpResponse.json({ error_message: "concurrency limit reached" }, { status: 429 }), /concurrency or rate limit \(HTTP 429\)/],
    ["a network failure", () => HttpResponse.error(), /unreachable/],
  ])("moves the call to the next provider when the primary answers %s", async (_, respond, reason) => {
    const { key, patient, agent, webhooks } = await twoProviders();
    retell.failNextCreate(respond);
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const events = await getEvents(key, callId);
    expect(history(events)).toEqual([
      ["provider.attempt", "retell"],
      ["provider.refused", "retell"],
      ["provider.failover", "retell->vocode"],
      ["provider.attempt", "vocode"],
      ["provider.placed", "vocode"],
    ]);
    expect(eventsOf(events, "provider.refused")[0].detail).toMatchObject({ retryable: true, reason: expect.stringMatching(reason) });
    expect(eventsOf(events, "provider.failover")[0].detail).toEqual({ from: "retell", to: "vocode", reason: expect.stringMatching(reason) });
    const vendorCall = vocode.callTo(patient.phone_number);
    expect(vocode.requests.find((r) => r.body?.to_number === patient.phone_number)!.body.agent).toBe(VOCODE_AGENT);
    const row = await env.DB.prepare("SELECT provider, provider_call_id, status FROM calls WHERE id = ?").bind(callId).first<any>();
    expect(row).toEqual({ provider: "vocode", provider_call_id: vendorCall.id, status: "initiating" });

    // The call now follows Vocode's word.
    vocodePickedUp(vendorCall);
    await vocode.send(webhooks.vocode!, "event_phone_call_connected", vendorCall);
    // Vocode's events are unsigned: the worker checks each with GET /v1/calls after answering (waitUntil).
    expect((await waitForCall(key, callId, (c) => c.status === "in-progress")).status).toBe("in-progress");
  });

  it("moves on when the primary does not answer in time", async () => {
    const { key, patient, agent } = await twoProviders({ timeoutMs: 500 });
    retell.failNextCreate(async () => {
      await delay("infinite");
      return new HttpResponse(null, { status: 201 });
    });
    const started = Date.now();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    expect(Date.now() - started).toBeLessThan(5_000);
    const events = await getEvents(key, callId);
    expect(eventsOf(events, "provider.refused")[0].detail).toMatchObject({ provider: "retell", reason: "retell did not answer within 500 ms", retryable: true });
    expect(eventsOf(events, "provider.placed")[0].detail.provider).toBe("vocode");
  });

  it("does not fail over a bad number: the call fails as invalid_number", async () => {
    const { key, patient, agent } = await twoProviders();
    retell.failNextCreate(() => HttpResponse.json({ error_message: "to_number is not a valid phone number" }, { status: 400 }));
    const callId = await placeCall(key, patient.patient_id, agent.id);
    expect(await getCall(key, callId)).toMatchObject({ status: "failed", outcome: "invalid_number" });
    const events = await getEvents(key, callId);
    expect(history(events)).toEqual([
      ["provider.attempt", "retell"],
      ["provider.refused", "retell"],
      ["provider.failed", "retell"],
    ]);
    expect(eventsOf(events, "provider.refused")[0].detail).toMatchObject({ status: 400, retryable: false });
    expect(vocode.requests.some((r) => r.body?.to_number === patient.phone_number)).toBe(false);
  });

  it("fails the call when every provider refuses, with each attempt in the history", async () => {
    const { key, patient, agent } = await twoProviders();
    retell.failNextCreate(() => new HttpResponse("upstream down", { status: 502 }));
    vocode.failNextCreate(() => new HttpResponse("upstream down", { status: 500 }));
    const callId = await placeCall(key, patient.patient_id, agent.id);
    expect(await getCall(key, callId)).toMatchObject({ status: "failed", outcome: "provider_error" });
    const failed = (await getEvents(key, callId)).at(-1);
    expect(failed).toMatchObject({ type: "provider.failed", to_status: "failed", detail: { outcome: "provider_error", provider: "vocode", reason: "vocode failing (HTTP 500)" } });
  });

  it("events from an abandoned attempt do not touch the call", async () => {
    const { key, patient, agent, webhooks } = await twoProviders();
    retell.failNextCreate(() => new HttpResponse(null, { status: 503 }));
    const callId = await placeCall(key, patient.patient_id, agent.id);
    // Suppose Retell had placed it after all: its events name our call but are not this call's any more.
    const ghost = retellStarted({ ...[...retell.calls.values()][0]!, call_id: "call_ghost", metadata: { switchboard_call_id: callId } });
    const res = await retell.send(webhooks.retell!, "call_started", ghost);
    expect(res.body).toMatchObject({ applied: 0, unchanged: 1 });
    expect((await getCall(key, callId)).status).toBe("initiating");
  });

  it("skips a provider whose credentials were removed before a scheduled call was released", async () => {
    const { tenant, key, patient, agent } = await twoProviders();
    const at = Date.now() + 60_000;
    const res = await createCalls(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id, scheduledAt: new Date(at).toISOString() });
    const callId = (await json(res)).calls[0].callId;
    expect((await api("/api/v1/providers/retell", { method: "DELETE", key })).status).toBe(200);
    await releaseDueCalls(env, at + 1);
    // Release hands the campaign to the tenant's dispatcher, which dials on its own alarm.
    await runDispatcherAlarm(tenant.id);
    const events = await getEvents(key, callId);
    expect(eventsOf(events, "provider.skipped")[0].detail).toEqual({ provider: "retell", reason: "not configured for this tenant" });
    expect(eventsOf(events, "provider.placed")[0].detail.provider).toBe("vocode");
  });

  it("a hangup while the vendor is placing the call drops the line it opens", async () => {
    const { key, patient, agent } = await vendorSetup([{ provider: "retell", agent: "agent_primary" }], { retell: { apiKey: RETELL_KEY, fromNumber: "+14155550100" } });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached = false;
    retell.failNextCreate(async () => {
      reached = true;
      await gate;
      const call = { call_id: "call_late", call_type: "phone_call", agent_id: "agent_primary", call_status: "registered", from_number: "+14155550100", to_number: patient.phone_number, direction: "outbound" } as const;
      retell.calls.set(call.call_id, { ...call, metadata: {} });
      return HttpResponse.json(call, { status: 201 });
    });
    const creating = createCalls(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id });
    while (!reached) await new Promise((r) => setTimeout(r, 10));
    const { data } = await json(await api("/api/v1/calls", { key }));
    const callId = data[0].id;
    const hung = await api(`/api/v1/calls/${callId}`, { method: "DELETE", key });
    expect(hung.status).toBe(200);
    release();
    expect((await creating).status).toBe(201);
    expect(await getCall(key, callId)).toMatchObject({ status: "failed", outcome: "hung_up_by_api" });
    expect(retell.requests.some((r) => r.url.endsWith("/v2/stop-call/call_late"))).toBe(true);
    expect(eventsOf(await getEvents(key, callId), "provider.hangup")).toHaveLength(1);
  });
});
