import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { fakeVocode, vocodeEnded, vocodePickedUp } from "../fakes/vocode";
import { call, comms, postWebhook, vocode, voipbin } from "../helpers/http";
import { createAgent, createPatient, createTenant, patchTenant } from "../helpers/tenants";
import { configureProvider } from "../helpers/vendors";
import { aicallGet, createBatch, getCall, hangup, historyOf, vocodeCreate, vocodeGet } from "../helpers/calls";
import { playCall, runDispatcherAlarm, tickDispatcher, waitingEntry } from "../helpers/objects";
import { deliverNow, quiesceEndpoints, registerEndpoint } from "../helpers/webhooks";
import { waitForCall } from "../helpers/wait";
import { customerEndpoints } from "../fakes/customer-endpoints";
import { serveForFile, server } from "../network";

// Where the issues meet: the dispatcher behind every surface, retries behind the webhooks and the
// surfaces' status mappings, HIPAA mode on a real vendor. One network: customer endpoints and a fake Vocode.
const customers = customerEndpoints();
const VOCODE_KEY = "vocode_live_acceptance_0000000000";
const vendor = fakeVocode(VOCODE_KEY, { post: postWebhook });
serveForFile(...customers.handlers);
beforeEach(() => server.use(...vendor.handlers));
afterAll(async () => {
  await quiesceEndpoints();
});

const LONG = { simulator: { durationMs: 600_000 } };
const NOT_HANGABLE = "Call was not in a status that could be hung up";

async function tenantWithLimit(limit: number) {
  const tenant = await createTenant();
  await patchTenant(tenant.id, { concurrencyLimit: limit });
  return { tenant, key: tenant.apiKey };
}

/** An endpoint of the tenant's; returns the verified events it received. */
async function subscribe(key: string, events?: string[]) {
  const target = customers.endpoint();
  const endpoint = await registerEndpoint(key, { url: target.url, ...(events ? { events } : {}) });
  const verifier = new Webhook(endpoint.secret);
  const received = () =>
    customers.to(target.name).map((r) => ({ ...(verifier.verify(r.body, r.headers) as { type: string; data: Record<string, any> }), raw: r.body }));
  return {
    received,
    /** Delivers what is due (the sender's alarm); what was received must then satisfy `done`. */
    async settle(done: (events: ReturnType<typeof received>) => boolean) {
      const deliveries = await deliverNow(endpoint.id);
      expect(deliveries.every((x) => x.status === "succeeded")).toBe(true);
      const events = received();
      expect(done(events), JSON.stringify(events.map((e) => e.type))).toBe(true);
      return events;
    },
  };
}

describe("POST /api/v1/calls through the tenant's dispatcher", () => {
  it("says initiating for calls that got a line and queued (in totalQueued) for the rest; a queued call is not hangable (400)", async () => {
    const { tenant, key } = await tenantWithLimit(1);
    const agent = await createAgent(key, LONG);
    const [a, b] = [await createPatient(key), await createPatient(key)];
    const res = await call("/api/v1/calls", { method: "POST", key, json: { agentId: agent.id, patients: [{ patientId: a.patient_id }, { patientId: b.patient_id }] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ totalInitiated: 1, totalQueued: 1, message: "Batch created and initiated 1 calls; 1 queued" });
    expect(res.body.calls.map((c: any) => c.status)).toEqual(["initiating", "queued"]);
    const [live, queued] = res.body.calls.map((c: any) => c.callId as string);

    const refused = await hangup(key, queued);
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message ?? refused.body.message).toBe(NOT_HANGABLE);
    expect((await getCall(key, queued)).status).toBe("queued");

    // The line the hung-up call gives back goes to the queued one.
    expect((await hangup(key, live)).status).toBe(200);
    await runDispatcherAlarm(tenant.id);
    expect((await getCall(key, queued)).status).toBe("initiating");
  });
});

describe("the Vocode and VoIPbin surfaces share the core", () => {
  it("wait for a line like /api/v1's calls, and every call reads on every surface", async () => {
    const { tenant, key } = await tenantWithLimit(1);
    const agent = await createAgent(key, LONG);
    const [a, b, c] = [await createPatient(key), await createPatient(key), await createPatient(key)];
    const viaApi = (await createBatch(key, { agentId: agent.id, patients: [{ patientId: a.patient_id }] })).calls[0]!.callId as string;
    expect((await getCall(key, viaApi)).status).toBe("initiating");

    const viaVocode = await vocodeCreate(key, { to_number: b.phone_number, agent: agent.id });
    expect(viaVocode.status).toBe("not_started");
    const viaVoipbin = await voipbin("/v1.0/aicalls", key, {
      method: "POST",
      json: { assistance_type: "ai", assistance_id: agent.id, reference_type: "call", reference_id: c.patient_id },
    });
    expect(viaVoipbin.status).toBe(200);
    // The tenant's one line is taken: both wait in the same queue as /api/v1's calls.
    expect((await getCall(key, viaVocode.id)).status).toBe("queued");
    expect((await getCall(key, viaVoipbin.body.id)).status).toBe("queued");

    for (const id of [viaApi, viaVocode.id, viaVoipbin.body.id]) {
      expect((await getCall(key, id)).id).toBe(id);
      expect((await vocodeGet(key, id)).id).toBe(id);
      expect((await aicallGet(key, id)).id).toBe(id);
      const viaComms = await comms(`/comms/call/${id}`, { key, tenant: tenant.id });
      expect(viaComms.status, JSON.stringify(viaComms.body)).toBe(200);
      expect(viaComms.body).toMatchObject({ id, status: "CREATED", type: "AI" });
    }
    const listed = (await call("/api/v1/calls", { key })).body.data.map((x: any) => x.id).sort();
    expect(listed).toEqual([viaApi, viaVocode.id, viaVoipbin.body.id].sort());

    // FIFO as lines free up, whichever surface placed the call.
    expect((await hangup(key, viaApi)).status).toBe(200);
    await runDispatcherAlarm(tenant.id);
    expect((await getCall(key, viaVocode.id)).status).toBe("initiating");
    expect((await getCall(key, viaVoipbin.body.id)).status).toBe("queued");
    const terminate = await voipbin(`/v1.0/aicalls/${viaVoipbin.body.id}/terminate`, key, { method: "POST" });
    expect(terminate.status).toBe(409);
  });

  it("are audited and announced (call.created) like /api/v1's calls, and their hangups audited", async () => {
    const tenant = await createTenant();
    const key = tenant.apiKey;
    const agent = await createAgent(key, LONG);
    const [a, b] = [await createPatient(key), await createPatient(key)];
    const hook = await subscribe(key, ["call.created"]);
    const viaVocode = await vocodeCreate(key, { to_number: a.phone_number, agent: agent.id });
    const viaVoipbin = (await voipbin("/v1.0/aicalls", key, { method: "POST", json: { assistance_type: "ai", assistance_id: agent.id, reference_type: "call", reference_id: b.patient_id } })).body;
    const events = await hook.settle((e) => e.length >= 2);
    expect(events.map((e) => e.data.call_id).sort()).toEqual([viaVocode.id, viaVoipbin.id].sort());
    expect(events.every((e) => e.type === "call.created" && e.data.agent_id === agent.id)).toBe(true);

    expect((await vocode(`/v1/calls/end?id=${viaVocode.id}`, key, { method: "POST" })).status).toBe(200);
    expect((await voipbin(`/v1.0/aicalls/${viaVoipbin.id}/terminate`, key, { method: "POST" })).status).toBe(200);
    const audit = (await call("/api/v1/audit-events?size=100", { key })).body.data as any[];
    const of = (action: string) => audit.filter((e) => e.action === action).map((e) => e.object_id).sort();
    expect(of("call.created")).toEqual([viaVocode.id, viaVoipbin.id].sort());
    expect(of("call.hung_up")).toEqual([viaVocode.id, viaVoipbin.id].sort());
  });

  it("honour Idempotency-Key: parallel retries place one call; another body with the key is refused", async () => {
    const tenant = await createTenant();
    const key = tenant.apiKey;
    const agent = await createAgent(key, LONG);
    const [a, b] = [await createPatient(key), await createPatient(key)];
    const vocodeBody = { from_number: "+15550001111", to_number: a.phone_number, agent: agent.id };
    const tries = await Promise.all(
      Array.from({ length: 5 }, () => vocode("/v1/calls/create", key, { method: "POST", json: vocodeBody, headers: { "Idempotency-Key": "vocode-retry-1" } })),
    );
    const ok = tries.filter((t) => t.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(tries.every((t) => t.status === 200 || t.status === 409)).toBe(true);
    expect(new Set(ok.map((t) => t.body.id)).size).toBe(1);
    const again = await vocode("/v1/calls/create", key, { method: "POST", json: vocodeBody, headers: { "Idempotency-Key": "vocode-retry-1" } });
    expect(again.body.id).toBe(ok[0]!.body.id);
    const other = await vocode("/v1/calls/create", key, { method: "POST", json: { ...vocodeBody, to_number: b.phone_number }, headers: { "Idempotency-Key": "vocode-retry-1" } });
    expect(other.status).toBe(422);
    expect(other.body).toEqual({ detail: expect.stringContaining("Idempotency-Key") });

    const aicall = { assistance_type: "ai", assistance_id: agent.id, reference_type: "call", reference_id: b.patient_id };
    const first = await call(`/v1.0/aicalls?accesskey=${key}`, { method: "POST", json: aicall, headers: { "Idempotency-Key": "voipbin-retry-1" } });
    const second = await call(`/v1.0/aicalls?accesskey=${key}`, { method: "POST", json: aicall, headers: { "Idempotency-Key": "voipbin-retry-1" } });
    expect(first.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);

    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM calls WHERE tenant_id = ?").bind(tenant.id).first<{ n: number }>();
    expect(rows!.n).toBe(2);
  });
});

describe("retries, customer webhooks and the surfaces' mappings", () => {
  it("an attempt that will be retried is no call.failed; the last one is, once; meanwhile every surface says it waits", async () => {
    const tenant = await createTenant();
    const key = tenant.apiKey;
    const agent = await createAgent(key, { simulator: { outcome: "no_answer", durationMs: 100 }, retry: { maxAttempts: 2, spacingMinutes: 1 } });
    const patient = await createPatient(key);
    const hook = await subscribe(key);
    const callId = (await createBatch(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }] })).calls[0]!.callId as string;

    await playCall(callId, "awaiting-retry");
    const waiting = await getCall(key, callId);
    expect(waiting.outcome).toBe("no_answer");
    expect((await vocodeGet(key, callId)).status).toBe("not_started");
    expect((await aicallGet(key, callId)).status).toBe("initiating");
    expect((await comms(`/comms/call/${callId}`, { key, tenant: tenant.id })).body.status).toBe("CREATED");
    const firstRound = await hook.settle((e) => e.some((x) => x.type === "call.status_changed" && x.data.status === "awaiting-retry"));
    expect(firstRound.filter((e) => e.type === "call.failed" || e.type === "call.completed")).toEqual([]);
    expect(firstRound.find((e) => e.data.status === "awaiting-retry")!.data).toMatchObject({ previous_status: "dialing", outcome: "no_answer" });

    await waitingEntry(tenant.id, callId, 2);
    const retry = (await historyOf(callId)).filter((e) => e.type === "retry.scheduled").at(-1)!;
    await tickDispatcher(tenant.id, Date.parse(String(retry.detail!.nextAttemptAt)));
    await playCall(callId, "failed");
    const all = await hook.settle((e) => e.some((x) => x.type === "call.failed"));
    const failed = all.filter((e) => e.type === "call.failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({ call_id: callId, status: "failed", outcome: "no_answer" });
    expect((await vocodeGet(key, callId)).status).toBe("ended");
    expect((await aicallGet(key, callId)).status).toBe("terminated");
    expect((await comms(`/comms/call/${callId}`, { key, tenant: tenant.id })).body.status).toBe("FAILED");
  });
});

describe("HIPAA mode on a real vendor", () => {
  it("asks Vocode for HIPAA mode, stores no transcript or recording, and the webhooks carry no free text", async () => {
    const tenant = await createTenant();
    const key = tenant.apiKey;
    const { webhookUrl } = await configureProvider(key, "vocode", { apiKey: VOCODE_KEY, fromNumber: "+15555550199" });
    const agent = await createAgent(key, { provider: undefined, simulator: undefined, providers: [{ provider: "vocode", agent: "6f1d2c3b-4a59-4e8f-9a0b-1c2d3e4f5a6b" }] });
    const patient = await createPatient(key);
    const hook = await subscribe(key, ["call.completed", "call.status_changed"]);

    const created = await vocodeCreate(key, { to_number: patient.phone_number, agent: agent.id, hipaa_compliant: true });
    // Placed on Vocode before the create answered.
    const placed = vendor.requests.find((r) => r.url.endsWith("/v1/calls/create") && r.body.to_number === patient.phone_number)!;
    expect(placed.body.hipaa_compliant).toBe(true);

    const vendorCall = vendor.callTo(patient.phone_number);
    vocodePickedUp(vendorCall);
    await vendor.send(webhookUrl, "event_phone_call_connected", vendorCall);
    // Vocode's events are unsigned: the worker checks each with GET /v1/calls after answering (waitUntil).
    await waitForCall(key, created.id, (c) => c.status === "in-progress");
    vocodeEnded(vendorCall);
    await vendor.send(webhookUrl, "event_phone_call_ended", vendorCall);
    const done = await waitForCall(key, created.id, (c) => c.status === "completed");

    const row = await env.DB.prepare("SELECT transcript, recording_url, final_report FROM calls WHERE id = ?").bind(created.id).first<any>();
    expect(row.transcript).toBeNull();
    expect(row.recording_url ?? null).toBeNull();
    const report = JSON.parse(row.final_report);
    expect(Object.entries(report).filter(([k, v]) => typeof v === "string" && k !== "outcome")).toEqual([]);
    expect(done.final_report).toEqual(report);
    expect(await vocodeGet(key, created.id)).toMatchObject({ transcript: null, recording_available: false, hipaa_compliant: true });

    const events = await hook.settle((e) => e.some((x) => x.type === "call.completed"));
    const completed = events.find((e) => e.type === "call.completed")!;
    expect(completed.data.final_report).toEqual(report);
    for (const event of events) {
      expect(event.raw).not.toContain("Your visit is confirmed");
      expect(event.raw).not.toContain(patient.phone_number);
    }
  });
});
