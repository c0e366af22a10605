import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { DisconnectReason } from "@livekit/protocol";
import { HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { ASSISTANT_TYPES, CALL_OUTCOMES, CALL_STATUSES, COMMS_CALL_STATUSES, type CallOutcome, type CallStatus } from "@switchboard/schemas";
import { providersOf } from "../../../src/agents/store";
import { agentForAssistant } from "../../../src/agents/for-assistant";
import { COMMS_CALL_STATUS, commsCallStatus } from "../../../src/http/wire/comms-call-status";
import { optOut } from "../../../src/consent/opt-outs";
import { createDb } from "../../../src/lib/db";
import { fakeLiveKit } from "../../fakes/livekit";
import { fakeRetell, retellAnalyzed, retellEnded, retellStarted } from "../../fakes/retell";
import { call, comms, ISO, postWebhook, UUID } from "../../helpers/http";
import { createPatient, createTenant } from "../../helpers/tenants";
import { type CommsVendor, configureProvider, createAssistantAgent, LIVEKIT, RETELL_KEY, VENDOR_CREDENTIALS } from "../../helpers/vendors";
import { chatFor } from "../../helpers/messaging";
import { eventsOf, getEvents } from "../../helpers/calls";
import { server } from "../../network";

// /comms AI calls run on the tenant's own vendor accounts, here the fake Retell and LiveKit servers
// of test/fakes; their signed webhooks (signed by the vendors' SDKs) move the calls.
const retell = fakeRetell(RETELL_KEY, { post: postWebhook });
const livekit = fakeLiveKit(LIVEKIT.apiKey, LIVEKIT.apiSecret, LIVEKIT.base, { post: postWebhook });
beforeEach(() => server.use(...retell.handlers, ...livekit.handlers));

/** A tenant with the given vendors configured and a patient; no agents yet. */
async function tenantWith(vendors: CommsVendor[]) {
  const tenant = await createTenant();
  const webhooks: Partial<Record<CommsVendor, string>> = {};
  for (const vendor of vendors) webhooks[vendor] = (await configureProvider(tenant.apiKey, vendor, VENDOR_CREDENTIALS[vendor])).webhookUrl;
  const patient = await consentingPatient(tenant.apiKey);
  return { tenant, key: tenant.apiKey, tenantId: tenant.id, patient, webhooks };
}

/**
 * A patient with prior express consent on file: BILLER agents place billing calls, which the
 * contact policy allows only with it. Each call through a real vendor counts toward the patient's
 * contact caps (one reminder a day), so a test placing several calls uses a patient each.
 */
async function consentingPatient(key: string) {
  const patient = await createPatient(key);
  expect((await call(`/api/v1/patients/${patient.patient_id}/consent`, { method: "POST", key, json: CONSENT })).status).toBe(201);
  return patient;
}

const CONSENT = { basis: "prior_express_consent", source: "intake_form", evidence: "form-1", scope: ["calls", "texts"] };

/** A tenant on LiveKit (and Retell) with an agent for the assistant type on `agentOn`. */
async function setup(options: { vendors?: CommsVendor[]; agentOn?: CommsVendor[]; assistantType?: string } = {}) {
  const t = await tenantWith(options.vendors ?? ["livekit", "retell"]);
  const agent = await createAssistantAgent(t.key, options.assistantType ?? "CALL_REMINDER", options.agentOn ?? ["livekit"]);
  return { ...t, agent, agentId: agent.id as string };
}

function aiCall(key: string, tenant: string | null, body: unknown) {
  return comms("/comms/call/ai", { method: "POST", key, tenant, json: body });
}

async function commsCall(key: string, tenantId: string, id: string) {
  const res = await comms(`/comms/call/${id}`, { key, tenant: tenantId });
  expect(res.status).toBe(200);
  return res.body;
}

async function callRow(id: string) {
  return env.DB.prepare("SELECT provider, provider_call_id, status, outcome, reason, agent_id, patient_id FROM calls WHERE id = ?").bind(id).first<any>();
}

const CALL_KEYS = [
  "id", "chatId", "direction", "status", "sender", "receiver", "completedDate", "retellCallId", "disconnectionReason",
  "pathToAudio", "summary", "context", "createdDate", "toolCalls", "tags", "invoiceId", "type", "locationId",
];

describe("POST /comms/call/ai on the tenant's vendor", () => {
  it("places the call on the tenant's LiveKit and answers the documented Call object, field by field", async () => {
    const { key, tenantId, patient, agentId } = await setup();
    const res = await aiCall(key, tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "Appointment tomorrow at 10", patientId: patient.patient_id, eventId: "evt-42" });
    expect(res.status).toBe(200);
    const chat = await chatFor(key, patient.patient_id);
    expect(Object.keys(res.body)).toEqual(CALL_KEYS);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID),
      chatId: chat.id,
      direction: "OUTBOUND",
      status: "CREATED",
      sender: { id: agentId, type: "ASSISTANT", firstName: "CALL_REMINDER agent", lastName: "", phoneNumber: null, email: null, locationId: null },
      receiver: { id: patient.patient_id, type: "PATIENT", firstName: "Jane", lastName: "Doe", phoneNumber: patient.phone_number, email: null, locationId: null },
      completedDate: null,
      retellCallId: null,
      disconnectionReason: null,
      pathToAudio: null,
      summary: null,
      context: { assistantType: "CALL_REMINDER", reasonForCall: "Appointment tomorrow at 10", eventId: "evt-42", provider: "livekit" },
      createdDate: expect.stringMatching(ISO),
      toolCalls: [],
      tags: [],
      invoiceId: null,
      type: "AI",
      locationId: null,
    });
    const id = res.body.id;
    expect(await callRow(id)).toEqual({
      provider: "livekit", provider_call_id: `outbound-${id}`, status: "initiating", outcome: null,
      reason: "Appointment tomorrow at 10", agent_id: agentId, patient_id: patient.patient_id,
    });
    // LiveKit was asked to dispatch the agent and dial the patient, with the request as variables.
    const dispatch = livekit.requests.find((r) => r.url.endsWith("/CreateDispatch") && r.body.room === `outbound-${id}`)!;
    expect(dispatch.body.agentName).toBe("reminder-agent");
    expect(JSON.parse(dispatch.body.metadata).variables).toEqual({
      assistantType: "CALL_REMINDER", reasonForCall: "Appointment tomorrow at 10", eventId: "evt-42", provider: "livekit", reason: "Appointment tomorrow at 10",
    });
    const sip = livekit.requests.find((r) => r.url.endsWith("/CreateSIPParticipant") && r.body.roomName === `outbound-${id}`)!;
    expect(sip.body).toMatchObject({ sipTrunkId: "ST_comms", sipCallTo: patient.phone_number, sipNumber: "+15555550100" });
    expect(retell.requests.some((r) => r.body?.metadata?.switchboard_call_id === id)).toBe(false);
    // The same core as POST /api/v1/calls, and the call lives in the patient's chat.
    const viaCallsApi = await call(`/api/v1/calls/${id}`, { key });
    expect(viaCallsApi.body).toMatchObject({ status: "initiating", client_metadata: res.body.context });
    const chatCalls = await call(`/api/v1/chats/${chat.id}/calls`, { key });
    expect(chatCalls.body.data.map((c: any) => c.id)).toEqual([id]);
  });

  it("follows LiveKit's signed webhooks from CREATED through ONGOING to FINISHED, with the agent's summary", async () => {
    const { key, tenantId, patient, webhooks } = await setup();
    const placed = await aiCall(key, tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "Reminder", patientId: patient.patient_id });
    const sip = livekit.calls.get(`outbound-${placed.body.id}`)!;
    const url = webhooks.livekit!;
    const read = () => commsCall(key, tenantId, placed.body.id);

    await livekit.send(url, livekit.events.joined(sip));
    expect(await read()).toMatchObject({ status: "CREATED", completedDate: null });
    await livekit.send(url, livekit.events.answered(sip));
    expect(await read()).toMatchObject({ status: "ONGOING", completedDate: null, disconnectionReason: null });
    await livekit.send(url, livekit.events.left(sip, DisconnectReason.CLIENT_INITIATED));
    // The patient hung up; the report is still to come.
    expect(await read()).toMatchObject({ status: "ONGOING", summary: null });
    await livekit.send(url, livekit.events.agentLeft(sip, { summary: "Confirmed for Tuesday", patient_confirmed: true }));
    await livekit.send(url, livekit.events.finished(sip));
    const done = await read();
    expect(Object.keys(done)).toEqual(CALL_KEYS);
    expect(done).toMatchObject({
      status: "FINISHED", disconnectionReason: "human", completedDate: expect.stringMatching(ISO), summary: "Confirmed for Tuesday",
      retellCallId: null, chatId: placed.body.chatId,
    });
  });

  it("fills retellCallId with Retell's call id, and follows Retell's webhooks to FINISHED with its analysis", async () => {
    const { key, tenantId, patient, agentId, webhooks } = await setup({ agentOn: ["retell"], assistantType: "BILLER" });
    const placed = await aiCall(key, tenantId, { assistantType: "BILLER", reasonForCall: "Balance due", patientId: patient.patient_id, provider: "retell" });
    expect(placed.status).toBe(200);
    const vendorCall = retell.callFor(placed.body.id);
    expect(vendorCall.call_id).toMatch(/^call_[0-9a-f]{32}$/);
    expect(placed.body).toMatchObject({ status: "CREATED", retellCallId: vendorCall.call_id, sender: { id: agentId }, context: { provider: "retell" } });
    const created = retell.requests.find((r) => r.body?.metadata?.switchboard_call_id === placed.body.id)!;
    expect(created.body).toMatchObject({ from_number: "+14155550123", to_number: patient.phone_number, override_agent_id: "agent_comms" });
    expect(created.headers.authorization).toBe(`Bearer ${RETELL_KEY}`);

    const url = webhooks.retell!;
    const read = () => commsCall(key, tenantId, placed.body.id);
    await retell.send(url, "call_started", retellStarted(vendorCall));
    expect(await read()).toMatchObject({ status: "ONGOING", retellCallId: vendorCall.call_id });
    await retell.send(url, "call_ended", retellEnded(vendorCall));
    expect(await read()).toMatchObject({ status: "ONGOING", summary: null, pathToAudio: vendorCall.recording_url });
    await retell.send(url, "call_analyzed", retellAnalyzed(vendorCall));
    expect(await read()).toMatchObject({
      status: "FINISHED",
      retellCallId: vendorCall.call_id,
      disconnectionReason: "human",
      completedDate: expect.stringMatching(ISO),
      summary: "The patient confirmed the appointment.",
      pathToAudio: `https://dxc03zgurdly9.cloudfront.net/${vendorCall.call_id}/recording.wav`,
    });
  });

  it("reaches every /comms status through the vendors' own events", async () => {
    const { key, tenantId, webhooks } = await setup({ agentOn: ["livekit", "retell"] });
    type Step = (id: string) => Promise<unknown>;
    const lk = (event: (sip: ReturnType<typeof livekit.calls.get> & {}) => string): Step => (id) => livekit.send(webhooks.livekit!, event(livekit.calls.get(`outbound-${id}`)!));
    const rt = (event: string, move: (c: ReturnType<typeof retell.callFor>) => unknown = (c) => c): Step => (id) => {
      const vendorCall = retell.callFor(id);
      move(vendorCall);
      return retell.send(webhooks.retell!, event, vendorCall);
    };
    const scenarios: { provider: CommsVendor; steps: [Step, string][]; outcome: CallOutcome }[] = [
      { provider: "retell", outcome: "voicemail", steps: [[rt("call_started", retellStarted), "ONGOING"], [rt("call_ended", (c) => retellEnded(c, "voicemail_reached")), "VOICEMAIL"], [rt("call_analyzed", retellAnalyzed), "VOICEMAIL"]] },
      { provider: "retell", outcome: "transferred", steps: [[rt("call_started", retellStarted), "ONGOING"], [rt("call_ended", (c) => retellEnded(c, "call_transfer")), "TRANSFERRED"], [rt("call_analyzed", retellAnalyzed), "TRANSFERRED"]] },
      { provider: "retell", outcome: "no_answer", steps: [[rt("call_ended", (c) => retellEnded(c, "dial_no_answer")), "FAILED"]] },
      // Someone removed the patient from the room mid-call (our hangup, or the LiveKit console).
      { provider: "livekit", outcome: "hung_up_by_api", steps: [[lk(livekit.events.joined), "CREATED"], [lk(livekit.events.answered), "ONGOING"], [lk((s) => livekit.events.left(s, DisconnectReason.PARTICIPANT_REMOVED)), "DISCONNECTED"]] },
      { provider: "livekit", outcome: "busy", steps: [[lk(livekit.events.joined), "CREATED"], [lk((s) => livekit.events.left(s, DisconnectReason.USER_REJECTED)), "FAILED"]] },
      { provider: "livekit", outcome: "human", steps: [[lk(livekit.events.answered), "ONGOING"], [lk((s) => livekit.events.left(s, DisconnectReason.CLIENT_INITIATED)), "ONGOING"], [lk(livekit.events.finished), "FINISHED"]] },
    ];
    const seen = new Set<string>();
    for (const scenario of scenarios) {
      const patient = await consentingPatient(key);
      const placed = await aiCall(key, tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: patient.patient_id, provider: scenario.provider });
      expect(placed.body.status).toBe("CREATED");
      seen.add(placed.body.status);
      for (const [step, expected] of scenario.steps) {
        await step(placed.body.id);
        const now = await commsCall(key, tenantId, placed.body.id);
        expect(now.status, `${scenario.provider}/${scenario.outcome} → ${expected}`).toBe(expected);
        seen.add(now.status);
      }
      const row = await callRow(placed.body.id);
      expect(row).toMatchObject({ provider: scenario.provider, outcome: scenario.outcome });
      // Every move came from the vendor, none from anywhere else.
      const moves = (await getEvents(key, placed.body.id)).filter((e: any) => e.to_status && e.type !== "created" && e.to_status !== "initiating");
      expect(moves.every((e: any) => e.type === "provider.status"), JSON.stringify(moves.map((e: any) => e.type))).toBe(true);
    }
    expect([...seen].sort()).toEqual([...COMMS_CALL_STATUSES].sort());
  });

  it("places the call on the provider asked for first, failing over to the agent's next like any call", async () => {
    const { key, tenantId, patient } = await setup({ agentOn: ["livekit", "retell"] });
    const onRetell = await aiCall(key, tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: patient.patient_id, provider: "retell" });
    expect(onRetell.body.retellCallId).toBe(retell.callFor(onRetell.body.id).call_id);
    expect(await callRow(onRetell.body.id)).toMatchObject({ provider: "retell", provider_call_id: onRetell.body.retellCallId });
    expect(livekit.calls.has(`outbound-${onRetell.body.id}`)).toBe(false);

    // Retell is down: the call moves to the agent's next provider, as POST /api/v1/calls' calls do.
    retell.failNextCreate(() => HttpResponse.json({ error_message: "Service unavailable" }, { status: 503 }));
    const another = await consentingPatient(key);
    const failedOver = await aiCall(key, tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: another.patient_id, provider: "retell" });
    expect(failedOver.status).toBe(200);
    expect(failedOver.body).toMatchObject({ status: "CREATED", retellCallId: null, context: { provider: "retell" } });
    expect(await callRow(failedOver.body.id)).toMatchObject({ provider: "livekit", provider_call_id: `outbound-${failedOver.body.id}` });
    const events = await getEvents(key, failedOver.body.id);
    expect(eventsOf(events, "provider.failover").map((e: any) => e.detail)).toEqual([expect.objectContaining({ from: "retell", to: "livekit" })]);
  });

  it("accepts every assistantType and picks that type's agent", async () => {
    const t = await tenantWith(["livekit"]);
    const agents = new Map<string, string>();
    for (const type of ASSISTANT_TYPES) agents.set(type, (await createAssistantAgent(t.key, type)).id);
    for (const type of ASSISTANT_TYPES) {
      const res = await aiCall(t.key, t.tenantId, { assistantType: type, reasonForCall: "r", patientId: t.patient.patient_id });
      expect(res.status, type).toBe(200);
      expect(res.body.sender.id, type).toBe(agents.get(type));
    }
  });
});

describe("POST /comms/call/ai names what to configure", () => {
  const body = (patientId: string, extra: Record<string, unknown> = {}) => ({ assistantType: "BILLER", reasonForCall: "r", patientId, ...extra });
  const agentStep = (vendor: string, name: string) =>
    `POST /api/v1/agents ({"assistantType": "BILLER", "providers": [{"provider": "${vendor}", "agent": "<the ${name} agent>"}]})`;
  const callCount = async (tenantId: string) => (await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>())!.n;

  it("provider defaults to livekit; retell picks the tenant's Retell agent", async () => {
    const t = await setup({ vendors: ["retell"], agentOn: ["retell"], assistantType: "BILLER" });
    const byDefault = await aiCall(t.key, t.tenantId, body(t.patient.patient_id));
    expect(byDefault).toMatchObject({
      status: 400,
      body: {
        detail:
          "Provider livekit is not configured for this tenant and no agent for assistantType BILLER runs on it: " +
          `store the tenant's LiveKit credentials with PUT /api/v1/providers/livekit, then create one with ${agentStep("livekit", "LiveKit")}`,
      },
    });
    const onRetell = await aiCall(t.key, t.tenantId, body(t.patient.patient_id, { provider: "retell" }));
    expect(onRetell.status).toBe(200);
    expect(onRetell.body.sender.id).toBe(t.agentId);
    expect(onRetell.body.retellCallId).toBe(retell.callFor(onRetell.body.id).call_id);
  });

  it("the vendor's credentials, the agent, or both, and places nothing until they exist", async () => {
    const t = await tenantWith([]);
    const neither = await aiCall(t.key, t.tenantId, body(t.patient.patient_id, { provider: "retell" }));
    expect(neither.status).toBe(400);
    expect(neither.body.detail).toBe(
      "Provider retell is not configured for this tenant and no agent for assistantType BILLER runs on it: " +
        `store the tenant's Retell credentials with PUT /api/v1/providers/retell, then create one with ${agentStep("retell", "Retell")}`,
    );

    // An agent on a vendor the tenant has not configured (or has since removed).
    const agent = await createAssistantAgent(t.key, "BILLER", ["retell"]);
    const noCredentials = await aiCall(t.key, t.tenantId, body(t.patient.patient_id, { provider: "retell" }));
    expect(noCredentials).toMatchObject({
      status: 400,
      body: { detail: "Provider retell is not configured for this tenant: store the tenant's Retell credentials with PUT /api/v1/providers/retell" },
    });

    await configureProvider(t.key, "livekit", VENDOR_CREDENTIALS.livekit);
    const noAgent = await aiCall(t.key, t.tenantId, body(t.patient.patient_id));
    expect(noAgent).toMatchObject({
      status: 400,
      body: { detail: `No agent for assistantType BILLER on provider livekit: create one with ${agentStep("livekit", "LiveKit")}` },
    });

    // As POST /api/v1/calls: an agent whose fallback vendor is not configured is refused too.
    await call(`/api/v1/agents/${agent.id}`, { method: "PATCH", key: t.key, json: { providers: [{ provider: "livekit", agent: "billing-agent" }, { provider: "retell", agent: "agent_b" }] } });
    const fallbackMissing = await aiCall(t.key, t.tenantId, body(t.patient.patient_id));
    expect(fallbackMissing).toMatchObject({ status: 400, body: { detail: "The agent runs on retell, which this tenant has not configured: PUT /api/v1/providers/retell first" } });
    expect(await callCount(t.tenantId)).toBe(0);

    await configureProvider(t.key, "retell", VENDOR_CREDENTIALS.retell);
    const placed = await aiCall(t.key, t.tenantId, body(t.patient.patient_id));
    expect(placed.status).toBe(200);
    expect(await callRow(placed.body.id)).toMatchObject({ provider: "livekit", agent_id: agent.id });
    const dispatch = livekit.requests.find((r) => r.url.endsWith("/CreateDispatch") && r.body.room === `outbound-${placed.body.id}`)!;
    expect(dispatch.body.agentName).toBe("billing-agent");
    expect(await callCount(t.tenantId)).toBe(1);
  });
});

describe("POST /comms/call/ai refusals", () => {
  it("refuses opted-out patients, patients without a phone, and unknown or foreign patients", async () => {
    const t = await setup();
    await optOut(createDb(env.DB), { tenantId: t.tenantId, phoneNumber: t.patient.phone_number, source: "sms_keyword", keyword: "STOP" });
    const optedOut = await aiCall(t.key, t.tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: t.patient.patient_id });
    expect(optedOut.status).toBe(409);
    expect(optedOut.body).toEqual({ detail: expect.stringMatching(/opted out/) });

    const noPhone = await createPatient(t.key, { phoneNumber: null });
    const res = await aiCall(t.key, t.tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: noPhone.patient_id });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/no phone number/);

    const other = await setup();
    for (const patientId of [other.patient.patient_id, "99999999-9999-4999-8999-999999999999", "nonsense"]) {
      const r = await aiCall(t.key, t.tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId });
      expect(r.status, patientId).toBe(404);
      expect(r.body).toEqual({ detail: "Patient not found" });
    }
    const count = await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE tenant_id = ?").bind(t.tenantId).first<{ n: number }>();
    expect(count?.n).toBe(0);
    expect(livekit.requests.some((r) => r.body?.sipCallTo === t.patient.phone_number)).toBe(false);
  });

  it("answers 422 in FastAPI's shape for every invalid field", async () => {
    const t = await setup();
    const valid = { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: t.patient.patient_id };
    const cases: [unknown, { loc: (string | number)[]; msg: string; type: string }[]][] = [
      [{}, [
        { loc: ["body", "assistantType"], msg: "Field required", type: "missing" },
        { loc: ["body", "reasonForCall"], msg: "Field required", type: "missing" },
        { loc: ["body", "patientId"], msg: "Field required", type: "missing" },
      ]],
      [{ ...valid, assistantType: "NURSE" }, [{ loc: ["body", "assistantType"], msg: "Input should be 'BILLER', 'CALL_REMINDER', 'CALL_FOLLOW_UP' or 'CALL_LAB_TECHNICIAN'", type: "enum" }]],
      [{ ...valid, provider: "vapi" }, [{ loc: ["body", "provider"], msg: "Input should be 'retell' or 'livekit'", type: "enum" }]],
      [{ ...valid, reasonForCall: 42 }, [{ loc: ["body", "reasonForCall"], msg: "Input should be a valid string", type: "string_type" }]],
      [{ ...valid, eventId: 7 }, [{ loc: ["body", "eventId"], msg: "Input should be a valid string", type: "string_type" }]],
      [{ ...valid, reasonForCall: "x".repeat(2001) }, [{ loc: ["body", "reasonForCall"], msg: "String should have at most 2000 characters", type: "string_too_long" }]],
      [[1, 2], [{ loc: ["body"], msg: "Input should be a valid dictionary or object to extract fields from", type: "model_attributes_type" }]],
    ];
    for (const [body, detail] of cases) {
      const res = await aiCall(t.key, t.tenantId, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(res.body, JSON.stringify(body).slice(0, 80)).toEqual({ detail });
    }
    const broken = await SELF.fetch("https://switchboard.test/comms/call/ai", {
      method: "POST",
      headers: { "API-KEY": t.key, TENANT: t.tenantId, "Content-Type": "application/json" },
      body: "{not json",
    });
    expect(broken.status).toBe(422);
    expect(await broken.json()).toEqual({ detail: [{ loc: ["body", 0], msg: "JSON decode error", type: "json_invalid" }] });
  });

  it("authenticates with API-KEY and TENANT, answering in FastAPI's shape", async () => {
    const t = await setup();
    const other = await createTenant();
    const body = { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: t.patient.patient_id };
    const noTenant = await aiCall(t.key, null, body);
    expect(noTenant.status).toBe(422);
    expect(noTenant.body).toEqual({ detail: [{ loc: ["header", "tenant"], msg: "Field required", type: "missing" }] });
    const wrongTenant = await aiCall(t.key, other.id, body);
    expect(wrongTenant.status).toBe(403);
    expect(wrongTenant.body).toEqual({ detail: "The TENANT header does not match the API key's tenant" });
    const badKey = await aiCall("sb_not-a-key", t.tenantId, body);
    expect(badKey.status).toBe(401);
    expect(badKey.body).toEqual({ detail: "Invalid API key" });
    const noRoute = await comms("/comms/nothing-here", { key: t.key, tenant: t.tenantId });
    expect(noRoute).toMatchObject({ status: 404, body: { detail: "Not Found" } });
    const count = await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE tenant_id = ?").bind(t.tenantId).first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it("GET /comms/call/{id}: 404 for unknown and foreign calls alike", async () => {
    const a = await setup();
    const b = await setup();
    const theirs = await aiCall(b.key, b.tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: b.patient.patient_id });
    expect(theirs.status).toBe(200);
    for (const id of [theirs.body.id, "99999999-9999-4999-8999-999999999999"]) {
      const res = await comms(`/comms/call/${id}`, { key: a.key, tenant: a.tenantId });
      expect(res).toMatchObject({ status: 404, body: { detail: "Call not found" } });
    }
  });
});

describe("the status mapping", () => {
  it("maps every lifecycle status and outcome to a documented status", () => {
    for (const status of CALL_STATUSES) {
      for (const outcome of [null, ...CALL_OUTCOMES] as (CallOutcome | null)[]) {
        expect(COMMS_CALL_STATUSES).toContain(commsCallStatus(status, outcome));
      }
    }
  });

  it("reaches every documented status", () => {
    const cases: [CallStatus, CallOutcome | null, string][] = [
      ["scheduled", null, "CREATED"],
      ["queued", null, "CREATED"],
      ["initiating", null, "CREATED"],
      ["dialing", null, "CREATED"],
      ["in-progress", "human", "ONGOING"],
      ["summarizing", "human", "ONGOING"],
      ["in-progress", "transferred", "TRANSFERRED"],
      ["completed", "transferred", "TRANSFERRED"],
      ["failed", "hung_up_by_api", "DISCONNECTED"],
      ["failed", "human", "DISCONNECTED"],
      ["failed", "no_answer", "FAILED"],
      ["failed", "busy", "FAILED"],
      ["failed", "invalid_number", "FAILED"],
      ["failed", "provider_error", "FAILED"],
      ["canceled", "canceled", "FAILED"],
      ["completed", "human", "FINISHED"],
      ["completed", null, "FINISHED"],
      ["summarizing", "voicemail", "VOICEMAIL"],
      ["completed", "voicemail", "VOICEMAIL"],
      ["failed", "voicemail", "VOICEMAIL"],
    ];
    for (const [status, outcome, expected] of cases) expect(commsCallStatus(status, outcome), `${status}/${outcome}`).toBe(expected);
    expect(new Set(cases.map((c) => c[2]))).toEqual(new Set(COMMS_CALL_STATUSES));
    expect(Object.keys(COMMS_CALL_STATUS).sort()).toEqual([...CALL_STATUSES].sort());
  });
});

describe("agentForAssistant", () => {
  it("matches assistant type and a provider of the agent's providers list, newest agent first", async () => {
    const tenant = await createTenant();
    const key = tenant.apiKey;
    const db = createDb(env.DB);
    const older = (await createAssistantAgent(key, "BILLER")).id;
    const newer = (await createAssistantAgent(key, "BILLER")).id;
    await env.DB.prepare("UPDATE agents SET updated_at = updated_at - 10000 WHERE id = ?").bind(older).run();
    const listed = (await createAssistantAgent(key, "CALL_FOLLOW_UP", ["livekit", "retell"])).id;
    await createAssistantAgent(key, "CALL_REMINDER", ["retell"]);
    expect((await agentForAssistant(db, tenant.id, "BILLER", "livekit"))?.id).toBe(newer);
    expect(await agentForAssistant(db, tenant.id, "BILLER", "retell")).toBeNull();
    // A fallback provider counts as much as the primary.
    expect((await agentForAssistant(db, tenant.id, "CALL_FOLLOW_UP", "retell"))?.id).toBe(listed);
    expect((await agentForAssistant(db, tenant.id, "CALL_FOLLOW_UP", "livekit"))?.id).toBe(listed);
    expect(await agentForAssistant(db, tenant.id, "CALL_REMINDER", "livekit")).toBeNull();
    expect(await agentForAssistant(db, tenant.id, "CALL_LAB_TECHNICIAN", "livekit")).toBeNull();
    // another tenant's agents are never candidates
    const other = await createTenant();
    expect(await agentForAssistant(db, other.id, "BILLER", "livekit")).toBeNull();
    const row = await agentForAssistant(db, tenant.id, "CALL_FOLLOW_UP", "retell");
    expect(providersOf(row!)).toEqual([{ provider: "livekit", agent: "reminder-agent" }, { provider: "retell", agent: "agent_comms" }]);
  });
});
