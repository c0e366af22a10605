import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { delay, HttpResponse } from "msw";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { CallObject } from "../../src/objects/call/call-object";
import { fakeRetell, retellAnalyzed, retellEnded, retellStarted, type RetellCallObject } from "../fakes/retell";
import { fakeVocode, vocodePickedUp } from "../fakes/vocode";
import { createBatch, historyOf } from "../helpers/calls";
import { fireCron, inspect } from "../helpers/objects";
import { insertPatients, insertScheduledCampaign } from "../helpers/seed";
import { patchTenant } from "../helpers/tenants";
import { call, json, postWebhook } from "../helpers/http";
import { callStub } from "../helpers/objects";
import { createAgent, createPatient, createTenant, setup } from "../helpers/tenants";
import { createCalls, placeCall } from "../helpers/calls";
import { poll } from "../helpers/wait";
import { server, serveForFile } from "../network";
import { vendorSetup } from "../helpers/vendors";
import { customerEndpoints } from "../fakes/customer-endpoints";
import { quiesceEndpoints, registerEndpoint } from "../helpers/webhooks";
import { d1, faults, runAlarmsUntil } from "./helpers";
import { callRow } from "../helpers/calls";
import { expectInvariants } from "./invariants";

const RETELL_KEY = "key_proof0123456789abcdef0123456789";
const VOCODE_KEY = "vocode_proof_0123456789";
const VOCODE_AGENT = "1b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
const retell = fakeRetell(RETELL_KEY, { post: postWebhook });
const vocode = fakeVocode(VOCODE_KEY, { post: postWebhook });
const customers = customerEndpoints();
beforeEach(() => server.use(...retell.handlers, ...vocode.handlers));
serveForFile(...customers.handlers);
afterAll(() => quiesceEndpoints());

/** Dials Retell accepted for one of our calls' attempts: counted at the vendor. */
function retellDials(callId: string, attempt: number): number {
  return [...retell.calls.values()].filter((c) => (c.metadata as any)?.switchboard_call_id === callId && (c.metadata as any)?.switchboard_attempt === attempt).length;
}

async function endpointFor(key: string) {
  return (await registerEndpoint(key, { url: customers.endpoint().url, events: ["call.completed", "call.failed"] })).id;
}

async function retellSetup(options: Record<string, unknown> = {}) {
  const s = await vendorSetup([{ provider: "retell", agent: "agent_abc" }], { retell: { apiKey: RETELL_KEY, fromNumber: "+14155550100", options } });
  return { ...s, endpoint: await endpointFor(s.key) };
}

describe("under faults, the promise holds: one dial per attempt, every line back, every ending announced once", () => {
  const rules = faults();

  it("D1 refuses the create batch: nothing is created, nothing dialed, and the retry places the call", async () => {
    const { tenant, key, patient, agent } = await setup();
    const endpoint = await endpointFor(key);
    rules.set(d1('insert into "campaigns"'));
    expect((await createCalls(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id })).status).toBe(500);
    const none = await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE tenant_id = ?").bind(tenant.id).first<{ n: number }>();
    expect(none!.n).toBe(0);
    const callId = await placeCall(key, patient.patient_id, agent.id);
    expect((await call(`/api/v1/calls/${callId}`, { method: "DELETE", key })).status).toBe(200);
    await expectInvariants({ tenantId: tenant.id, callIds: [callId], endpoints: [endpoint] });
  });

  it("D1 fails as a call starts (reading the call): the dispatcher starts it again, once", async () => {
    const { tenant, key, patient, agent } = await setup({ simulator: { outcome: "busy", durationMs: 200 } });
    const endpoint = await endpointFor(key);
    rules.set(d1("AS last_seq"));
    const created = await json(await createCalls(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id }));
    const callId = created.calls[0].callId;
    // Given a line: the answer comes before the start (made on the dispatcher's alarm, where D1 failed).
    expect(created.calls[0].status).toBe("initiating");
    // The dispatcher asks again a few seconds later (its alarm); the simulator then runs the call to its end.
    await poll(() => callRow(callId), (r) => r!.status === "failed", 15_000);
    await expectInvariants({ tenantId: tenant.id, callIds: [callId], endpoints: [endpoint] });
  });

  it("D1 fails at every commit for a while: the call's history, status and announcements all arrive once it is back", async () => {
    const { tenant, key, patient, agent } = await setup({ simulator: { durationMs: 300 } });
    const endpoint = await endpointFor(key);
    const callId = await placeCall(key, patient.patient_id, agent.id);
    rules.set({ ...d1("UPDATE calls SET status"), times: 4 });
    await poll(() => callStub(callId).status(), (s) => s === "completed", 5_000);
    await runAlarmsUntil(callId, async () => {
      const outbox = await runInDurableObject(callStub(callId), async (_i: CallObject, state) => (await state.storage.get<unknown[]>("outbox")) ?? []);
      return outbox.length === 0 && (await callRow(callId))!.status === "completed";
    });
    const walk = (await historyOf(callId)).filter((e) => e.to_status).map((e) => e.to_status);
    expect(walk).toEqual(["queued", "initiating", "dialing", "in-progress", "summarizing", "completed"]);
    await expectInvariants({ tenantId: tenant.id, callIds: [callId], endpoints: [endpoint] });
  });

  it("a vendor that stalls past its timeout: the attempt fails, the vendor saw one dial, the line comes back, the end is announced once", async () => {
    const s = await retellSetup({ timeoutMs: 500 });
    retell.failNextCreate(async () => {
      await delay(3_000);
      return new HttpResponse(null, { status: 201 });
    });
    const callId = await placeCall(s.key, s.patient.patient_id, s.agent.id);
    expect(await callRow(callId)).toMatchObject({ status: "failed", outcome: "provider_error" });
    const creates = retell.requests.filter((r) => r.url.endsWith("/create-phone-call") && r.body?.metadata?.switchboard_call_id === callId);
    expect(creates).toHaveLength(1);
    await expectInvariants({ tenantId: s.tenant.id, callIds: [callId], endpoints: [s.endpoint], dials: retellDials });
  });

  it("a vendor that answers 5xx, then the next one takes the call: one dial in all", async () => {
    const s = await vendorSetup([{ provider: "retell", agent: "agent_primary" }, { provider: "vocode", agent: VOCODE_AGENT }], {
      retell: { apiKey: RETELL_KEY, fromNumber: "+14155550100" },
      vocode: { apiKey: VOCODE_KEY, fromNumber: "+14155550101" },
    });
    const endpoint = await endpointFor(s.key);
    retell.failNextCreate(() => HttpResponse.json({ error_message: "internal" }, { status: 503 }));
    const callId = await placeCall(s.key, s.patient.patient_id, s.agent.id);
    const vendorCall = vocode.callTo(s.patient.phone_number);
    vocodePickedUp(vendorCall);
    Object.assign(vendorCall, { status: "ended", stage: "picked_up", stage_outcome: "human_disconnected" });
    await vocode.send(s.webhooks.vocode!, "event_phone_call_ended", vendorCall);
    await poll(() => callRow(callId), (r) => ["completed", "failed"].includes(r!.status));
    const vocodeDials = vocode.requests.filter((r) => r.url.endsWith("/v1/calls/create") && r.body?.to_number === s.patient.phone_number).length;
    await expectInvariants({ tenantId: s.tenant.id, callIds: [callId], endpoints: [endpoint], dials: (id, attempt) => retellDials(id, attempt) + vocodeDials });
  });

  it("duplicate, reordered and replayed webhooks: the call ends once, announced once, its history legal", async () => {
    const s = await retellSetup();
    const callId = await placeCall(s.key, s.patient.patient_id, s.agent.id);
    const vendorCall = retell.callFor(callId);
    const started = { ...retellStarted(vendorCall) } as RetellCallObject;
    const ended = { ...retellEnded(vendorCall) } as RetellCallObject;
    const analyzed = { ...retellAnalyzed(vendorCall) } as RetellCallObject;
    const sends: [string, RetellCallObject][] = [
      ["call_analyzed", analyzed], ["call_started", started], ["call_ended", ended], ["call_analyzed", analyzed],
      ["call_started", started], ["call_ended", ended], ["call_analyzed", analyzed],
    ];
    const answers = await Promise.all(sends.map(([event, body]) => retell.send(s.webhooks.retell!, event, body)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.reduce((n, a) => n + a.body.applied, 0)).toBeGreaterThanOrEqual(1);
    await poll(() => callRow(callId), (r) => r!.status === "completed");
    const history = await historyOf(callId);
    expect(history.filter((e) => e.to_status === "completed")).toHaveLength(1);
    await expectInvariants({ tenantId: s.tenant.id, callIds: [callId], endpoints: [s.endpoint], dials: retellDials });
  });

  it("the cron firing twice at once releases a scheduled campaign once: every patient dialed once", async () => {
    const tenant = await createTenant();
    await patchTenant(tenant.id, { concurrencyLimit: 50 });
    const agent = await createAgent(tenant.apiKey, { simulator: { outcome: "no_answer", durationMs: 200 } });
    const endpoint = await endpointFor(tenant.apiKey);
    const patients = await insertPatients(tenant.id, 30);
    const at = Date.now() - 1_000;
    const { callIds } = await insertScheduledCampaign(tenant.id, agent.id, patients, at);
    await Promise.all([fireCron(at), fireCron(at)]);
    await poll(async () => (await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE campaign_id IN (SELECT campaign_id FROM calls WHERE id = ?) AND status = 'failed'").bind(callIds[0]).first<{ n: number }>())!.n, (n) => n === 30, 20_000);
    await expectInvariants({ tenantId: tenant.id, callIds, endpoints: [endpoint] });
  });

  it("100 concurrent hangups of one call: one wins, one audit row, one ending announced, the line back", async () => {
    const { tenant, key, patient, agent } = await setup();
    const endpoint = await endpointFor(key);
    const batch = await createBatch(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }] });
    const callId = batch.calls[0]!.callId;
    const answers = await Promise.all(Array.from({ length: 100 }, () => call(`/api/v1/calls/${callId}`, { method: "DELETE", key })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400)).toHaveLength(99);
    const audit = await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'call.hung_up'").bind(tenant.id).first<{ n: number }>();
    expect(audit!.n).toBe(1);
    expect((await historyOf(callId)).filter((e) => e.type === "hangup")).toHaveLength(1);
    await expectInvariants({ tenantId: tenant.id, callIds: [callId], endpoints: [endpoint] });
  });
});

describe("a line whose notice is lost comes back", () => {
  const rules = faults();

  it("the call's effect (telling the dispatcher) fails: it is retried on the call's alarm until the line is back", async () => {
    const { tenant, key, patient, agent } = await setup();
    await patchTenant(tenant.id, { concurrencyLimit: 1 });
    const [first, second] = [patient.patient_id, (await createPatient(key)).patient_id];
    const batch = await createBatch(key, { agentId: agent.id, patients: [{ patientId: first }, { patientId: second }] });
    const [live, waiting] = batch.calls.map((c) => c.callId);
    rules.set({ site: "call.effects", effect: "error", match: live, times: 2 });
    expect((await call(`/api/v1/calls/${live}`, { method: "DELETE", key })).status).toBe(200);
    expect((await inspect(tenant.id)).live.map((e) => e.call_id)).toEqual([live]);
    const alarms = await runAlarmsUntil(live!, async () => (await inspect(tenant.id)).live.every((e) => e.call_id !== live));
    expect(alarms.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...alarms) - Date.now()).toBeLessThan(60_000);
    await poll(() => callRow(waiting!), (r) => r!.status !== "queued");
    await expectInvariants({ tenantId: tenant.id, callIds: [live!] });
  });
});
