import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { reconcileQuietCalls } from "../../src/calls/reconcile";
import { Internal } from "../../src/internal";
import { fakeRetell, retellAnalyzed, retellEnded, retellStarted } from "../fakes/retell";
import { api, json, postWebhook } from "../helpers/http";
import { placeOnVendor, vendorSetup } from "../helpers/vendors";
import { eventsOf, getCall, getEvents, hangup } from "../helpers/calls";
import { server } from "../network";

const KEY = "key_3f9a1c2b7d4e5f60718293a4b5c6d7e8";
const retell = fakeRetell(KEY, { post: postWebhook });
beforeEach(() => server.use(...retell.handlers));

async function retellCall(extra: Record<string, unknown> = {}) {
  const placed = await placeOnVendor("retell", "agent_abc", { apiKey: KEY, fromNumber: "+1 (415) 777-4444" }, extra);
  return { ...placed, vendorCall: retell.callFor(placed.callId) };
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

describe("retell: reconciliation", () => {
  it("asks get-call about a call whose webhooks never came, after the quiet period", async () => {
    const { key, callId, vendorCall } = await retellCall();
    retellAnalyzed(retellEnded(retellStarted(vendorCall)));
    // Not quiet yet: nothing asked.
    expect((await reconcileQuietCalls(env, Date.now())).checked).toBe(0);
    const report = await reconcileQuietCalls(env, Date.now() + 3 * 60_000);
    expect(report.moved).toBeGreaterThanOrEqual(1);
    expect(retell.requests.some((r) => r.method === "GET" && r.url === `https://api.retellai.com/v2/get-call/${vendorCall.call_id}`)).toBe(true);
    // Each call's object applied the answer before the run returned.
    const call = await getCall(key, callId);
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
    expect(await getCall(key, callId)).toMatchObject({ status: "failed", outcome: "busy" });
  });

  it("leaves an ongoing call as it is", async () => {
    const { key, callId, url, vendorCall } = await retellCall();
    await retell.send(url, "call_started", retellStarted(vendorCall));
    await reconcileQuietCalls(env, Date.now() + 3 * 60_000);
    expect((await getCall(key, callId)).status).toBe("in-progress");
  });
});
