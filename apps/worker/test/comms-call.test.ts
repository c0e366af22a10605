import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ASSISTANT_TYPES, CALL_OUTCOMES, CALL_STATUSES, COMMS_CALL_STATUSES, type CallOutcome, type CallStatus } from "@switchboard/schemas";
import { agentForAssistant, agentProviders } from "../src/comms/agent-for-assistant";
import { COMMS_CALL_STATUS, commsCallStatus } from "../src/comms/call-status";
import { callProviderFor, placeAiCall } from "../src/comms/ai-call";
import { createBatch } from "../src/calls/create-batch";
import { createDb } from "../src/lib/db";
import { optOut } from "../src/consent/opt-outs";
import { call, createPatient, createTenant, poll } from "./helpers";
import { chatFor, comms, insertAgent, ISO, UUID } from "./comms-helpers";

// The test bindings set SIMULATED_CALL_PROVIDERS=livekit,retell: no vendor accounts here, so the
// simulator plays the calls /comms places on those vendors (vitest.config.ts).

async function setup(agent: { provider?: string; assistantType?: string; providers?: unknown; durationMs?: number } = {}) {
  const tenant = await createTenant();
  const patient = await createPatient(tenant.apiKey);
  const agentId = await insertAgent(tenant.id, { provider: agent.provider ?? "livekit", assistantType: agent.assistantType ?? "CALL_REMINDER", providers: agent.providers });
  if (agent.durationMs !== undefined) {
    await env.DB.prepare("UPDATE agents SET settings = json_set(settings, '$.simulator.durationMs', ?) WHERE id = ?").bind(agent.durationMs, agentId).run();
  }
  return { tenant, key: tenant.apiKey, tenantId: tenant.id, patient, agentId };
}

function aiCall(key: string, tenant: string | null, body: unknown) {
  return comms("/comms/call/ai", { method: "POST", key, tenant, json: body });
}

const CALL_KEYS = [
  "id", "chatId", "direction", "status", "sender", "receiver", "completedDate", "retellCallId", "disconnectionReason",
  "pathToAudio", "summary", "context", "createdDate", "toolCalls", "tags", "invoiceId", "type", "locationId",
];

describe("POST /comms/call/ai", () => {
  it("places the call and answers the documented Call object, field by field", async () => {
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
    // The same core as POST /api/v1/calls: the call is there, on the requested provider, with the reason.
    const row = await env.DB.prepare("SELECT provider, reason, agent_id, patient_id FROM calls WHERE id = ?").bind(res.body.id).first();
    // (livekit is simulated in tests: the call runs on the simulator; the request's provider stays in context)
    expect(row).toEqual({ provider: "simulator", reason: "Appointment tomorrow at 10", agent_id: agentId, patient_id: patient.patient_id });
    const viaCallsApi = await call(`/api/v1/calls/${res.body.id}`, { key });
    expect(viaCallsApi.status).toBe(200);
    expect(viaCallsApi.body.client_metadata).toEqual(res.body.context);
    // ... and it lives in the patient's chat
    const chatCalls = await call(`/api/v1/chats/${chat.id}/calls`, { key });
    expect(chatCalls.body.data.map((c: any) => c.id)).toEqual([res.body.id]);
  });

  it("GET /comms/call/{id} follows the call to FINISHED with its summary", async () => {
    const { key, tenantId, patient } = await setup({ durationMs: 300 });
    const placed = await aiCall(key, tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "Reminder", patientId: patient.patient_id });
    expect(placed.status).toBe(200);
    const seen = new Set<string>();
    const done = await poll(
      async () => {
        const res = await comms(`/comms/call/${placed.body.id}`, { key, tenant: tenantId });
        expect(res.status).toBe(200);
        seen.add(res.body.status);
        return res.body;
      },
      (c) => c.status === "FINISHED",
      10_000,
      10,
    );
    expect(done).toMatchObject({ status: "FINISHED", disconnectionReason: "human", completedDate: expect.stringMatching(ISO), chatId: placed.body.chatId });
    expect(done.summary).toMatch(/The patient answered/);
    expect(Object.keys(done)).toEqual(CALL_KEYS);
    expect([...seen].every((s) => ["CREATED", "ONGOING", "FINISHED"].includes(s))).toBe(true);
  });

  it("provider defaults to livekit; retell picks the tenant's Retell agent", async () => {
    const t = await setup({ provider: "retell", assistantType: "BILLER" });
    // Only a Retell agent exists: the default (livekit) names what to configure.
    const byDefault = await aiCall(t.key, t.tenantId, { assistantType: "BILLER", reasonForCall: "Balance", patientId: t.patient.patient_id });
    expect(byDefault.status).toBe(400);
    expect(byDefault.body).toEqual({
      detail: 'No agent for assistantType BILLER on provider livekit: create one with POST /api/v1/agents (assistantType "BILLER", provider "livekit")',
    });
    const retell = await aiCall(t.key, t.tenantId, { assistantType: "BILLER", reasonForCall: "Balance", patientId: t.patient.patient_id, provider: "retell" });
    expect(retell.status).toBe(200);
    expect(retell.body.sender.id).toBe(t.agentId);
    expect(retell.body.context.provider).toBe("retell");
    // A simulated call is not Retell's: it has no Retell call id.
    expect(retell.body.retellCallId).toBeNull();
  });

  it("fills retellCallId for calls Retell placed", async () => {
    const t = await setup({ provider: "retell", assistantType: "BILLER" });
    const placed = await aiCall(t.key, t.tenantId, { assistantType: "BILLER", reasonForCall: "Balance", patientId: t.patient.patient_id, provider: "retell" });
    await env.DB.prepare("UPDATE calls SET provider = 'retell', provider_call_id = 'call_7f3a' WHERE id = ?").bind(placed.body.id).run();
    const res = await comms(`/comms/call/${placed.body.id}`, { key: t.key, tenant: t.tenantId });
    expect(res.body.retellCallId).toBe("call_7f3a");
  });

  it("accepts every assistantType and picks that type's agent", async () => {
    const tenant = await createTenant();
    const patient = await createPatient(tenant.apiKey);
    const agents = new Map<string, string>();
    for (const type of ASSISTANT_TYPES) agents.set(type, await insertAgent(tenant.id, { provider: "livekit", assistantType: type }));
    for (const type of ASSISTANT_TYPES) {
      const res = await aiCall(tenant.apiKey, tenant.id, { assistantType: type, reasonForCall: "r", patientId: patient.patient_id });
      expect(res.status, type).toBe(200);
      expect(res.body.sender.id, type).toBe(agents.get(type));
    }
  });

  it("finds an agent through its ordered providers list", async () => {
    const t = await setup({ provider: "simulator", providers: [{ provider: "simulator", agent: "a" }, { provider: "retell", agent: "b" }] });
    const res = await aiCall(t.key, t.tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: t.patient.patient_id, provider: "retell" });
    expect(res.status).toBe(200);
    expect(res.body.sender.id).toBe(t.agentId);
    const livekit = await aiCall(t.key, t.tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: t.patient.patient_id });
    expect(livekit.status).toBe(400);
  });

  it("places the call on the provider asked for, not the agent's first", async () => {
    const t = await setup({ provider: "simulator", providers: [{ provider: "simulator" }, { provider: "retell" }] });
    const db = createDb(env.DB);
    const batch = await createBatch(db, t.tenantId, { patients: [{ patientId: t.patient.patient_id }], agentId: t.agentId, recording: true }, Date.now(), { provider: "retell" });
    const row = await env.DB.prepare("SELECT provider FROM calls WHERE id = ?").bind(batch.calls[0]!.callId).first<{ provider: string }>();
    expect(row?.provider).toBe("retell");
    expect(callProviderFor({ SIMULATED_CALL_PROVIDERS: "livekit, retell" }, "retell")).toBe("simulator");
    expect(callProviderFor({}, "simulator")).toBe("simulator");
  });

  it("names the provider to configure when this deployment cannot place calls on it", async () => {
    const t = await setup();
    const noStandIns = { ...env, SIMULATED_CALL_PROVIDERS: "" };
    expect(callProviderFor(noStandIns, "livekit")).toBeNull();
    await expect(
      placeAiCall(noStandIns, createDb(env.DB), t.tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: t.patient.patient_id, provider: "livekit" }),
    ).rejects.toMatchObject({
      status: 400,
      body: { detail: "Provider livekit is not available on this deployment: configure its adapter and credentials, or send another provider" },
    });
  });

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
    const broken = await (await import("cloudflare:test")).SELF.fetch("https://switchboard.test/comms/call/ai", {
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

  it("shows each status on GET /comms/call/{id} as the call moves", async () => {
    const t = await setup();
    const placed = await aiCall(t.key, t.tenantId, { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: t.patient.patient_id });
    const rows: [CallStatus, CallOutcome | null, string][] = [
      ["dialing", null, "CREATED"],
      ["in-progress", "human", "ONGOING"],
      ["failed", "hung_up_by_api", "DISCONNECTED"],
      ["completed", "voicemail", "VOICEMAIL"],
      ["completed", "transferred", "TRANSFERRED"],
      ["failed", "busy", "FAILED"],
      ["completed", "human", "FINISHED"],
    ];
    for (const [status, outcome, expected] of rows) {
      await env.DB.prepare("UPDATE calls SET status = ?, outcome = ?, ended_at = ? WHERE id = ?").bind(status, outcome, status === "completed" || status === "failed" ? Date.now() : null, placed.body.id).run();
      const res = await comms(`/comms/call/${placed.body.id}`, { key: t.key, tenant: t.tenantId });
      expect(res.body.status, `${status}/${outcome}`).toBe(expected);
      const ended = status === "completed" || status === "failed";
      expect(res.body.completedDate === null, status).toBe(!ended);
      expect(res.body.disconnectionReason).toBe(ended ? outcome : null);
    }
  });
});

describe("agentForAssistant", () => {
  it("matches assistant type and provider, newest agent first, across providers lists", async () => {
    const tenant = await createTenant();
    const db = createDb(env.DB);
    const older = await insertAgent(tenant.id, { provider: "livekit", assistantType: "BILLER", updatedAt: Date.now() - 10_000 });
    const newer = await insertAgent(tenant.id, { provider: "livekit", assistantType: "BILLER" });
    const listed = await insertAgent(tenant.id, { provider: "vocode", assistantType: "CALL_FOLLOW_UP", providers: [{ provider: "vocode" }, { provider: "retell" }] });
    await insertAgent(tenant.id, { provider: "retell", assistantType: "CALL_REMINDER" });
    expect((await agentForAssistant(db, tenant.id, "BILLER", "livekit"))?.id).toBe(newer);
    expect(older).not.toBe(newer);
    expect(await agentForAssistant(db, tenant.id, "BILLER", "retell")).toBeNull();
    expect((await agentForAssistant(db, tenant.id, "CALL_FOLLOW_UP", "retell"))?.id).toBe(listed);
    expect(await agentForAssistant(db, tenant.id, "CALL_LAB_TECHNICIAN", "livekit")).toBeNull();
    // another tenant's agents are never candidates
    const other = await createTenant();
    expect(await agentForAssistant(db, other.id, "BILLER", "livekit")).toBeNull();
    const row = await db.query.agents.findFirst({ where: (a, { eq }) => eq(a.id, listed) });
    expect(agentProviders(row!)).toEqual(["vocode", "retell"]);
  });
});
