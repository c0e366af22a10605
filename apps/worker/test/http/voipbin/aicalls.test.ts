import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, NIL_UUID, NOT_YET, voipbin, VOIPBIN_TIME } from "../../helpers/http";
import { addToDoNotCall, createAgent, createPatient, createTenant, setup } from "../../helpers/tenants";
import { aicallGet, callRow, getCall } from "../../helpers/calls";
import { playCall } from "../../helpers/objects";

/** The AIcall's fields, in the order VoIPbin documents them. */
const AICALL_KEYS = [
  "id", "customer_id", "assistance_type", "assistance_id", "ai_engine_model", "ai_tts_type", "ai_tts_voice_id", "ai_stt_type",
  "ai_vad_config", "ai_smart_turn_enabled", "parameter", "activeflow_id", "reference_type", "reference_id", "confbridge_id",
  "current_member_id", "status", "stt_language", "tm_end", "tm_create", "tm_update", "tm_delete",
];

async function startAicall(key: string, agentId: string, patientId: string) {
  const res = await voipbin("/v1.0/aicalls", key, {
    method: "POST",
    json: { assistance_type: "ai", assistance_id: agentId, reference_type: "call", reference_id: patientId },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

function expectError(res: { status: number; body: any }, status: number, code: string, reason: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: { status: code, reason, message: expect.any(String), request_id: expect.stringMatching(/^req_/) } });
}

describe("VoIPbin: POST /v1.0/aicalls", () => {
  it("starts a call to the referenced patient and answers the AIcall, field for field", async () => {
    const { key, tenant, patient } = await setup();
    const agent = await createAgent(key, { model: "openai.gpt-4o", ttsProvider: "elevenlabs", voice: "21m00Tcm4TlvDq8ikWAM", sttProvider: "deepgram", language: "en-US" });
    const body = await startAicall(key, agent.id, patient.patient_id);
    expect(Object.keys(body)).toEqual(AICALL_KEYS);
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      customer_id: tenant.id,
      assistance_type: "ai",
      assistance_id: agent.id,
      ai_engine_model: "openai.gpt-4o",
      ai_tts_type: "elevenlabs",
      ai_tts_voice_id: "21m00Tcm4TlvDq8ikWAM",
      ai_stt_type: "deepgram",
      ai_vad_config: null,
      ai_smart_turn_enabled: false,
      parameter: {},
      activeflow_id: NIL_UUID,
      reference_type: "call",
      reference_id: patient.patient_id,
      confbridge_id: NIL_UUID,
      current_member_id: NIL_UUID,
      status: "initiating",
      stt_language: "en-US",
      tm_end: NOT_YET,
      tm_create: expect.stringMatching(VOIPBIN_TIME),
      tm_update: expect.stringMatching(VOIPBIN_TIME),
      tm_delete: NOT_YET,
    });
    const row = await callRow(body.id);
    expect(body.tm_create).toBe(new Date(Number(row!.created_at)).toISOString().replace("T", " ").replace("Z", "000"));
    expect(await aicallGet(key, body.id)).toEqual(body);
    expect(await getCall(key, body.id)).toMatchObject({ status: "initiating", agent_id: agent.id, patient: { patient_id: patient.patient_id } });
  });

  it("gives the documented empty values when the agent sets no model or voice", async () => {
    const { key, patient, agent } = await setup();
    const body = await startAicall(key, agent.id, patient.patient_id);
    expect(body).toMatchObject({ ai_engine_model: "", ai_tts_type: "", ai_tts_voice_id: "", ai_stt_type: "", stt_language: "en-US" });
  });

  it("refuses what it cannot do, in VoIPbin's error shape", async () => {
    const { key, tenant, patient, agent } = await setup();
    const noPhone = await createPatient(key, { phoneNumber: null });
    const listed = await createPatient(key);
    await addToDoNotCall(tenant.id, listed.phone_number);
    const other = await setup();
    const valid = { assistance_type: "ai", assistance_id: agent.id, reference_type: "call", reference_id: patient.patient_id };
    const post = (json: unknown) => voipbin("/v1.0/aicalls", key, { method: "POST", json });
    expectError(await post({ ...valid, assistance_type: "team" }), 400, "INVALID_ARGUMENT", "INVALID_ARGUMENT");
    expectError(await post({ ...valid, reference_type: "conversation" }), 400, "INVALID_ARGUMENT", "INVALID_ARGUMENT");
    expectError(await post({ assistance_type: "ai" }), 400, "INVALID_ARGUMENT", "INVALID_ARGUMENT");
    expectError(await post({ ...valid, assistance_id: "nope" }), 400, "INVALID_ARGUMENT", "INVALID_ID");
    expectError(await post({ ...valid, reference_id: "nope" }), 400, "INVALID_ARGUMENT", "INVALID_ID");
    expectError(await post({ ...valid, assistance_id: other.agent.id }), 404, "NOT_FOUND", "AI_NOT_FOUND");
    expectError(await post({ ...valid, reference_id: other.patient.patient_id }), 404, "NOT_FOUND", "RESOURCE_NOT_FOUND");
    expectError(await post({ ...valid, reference_id: noPhone.patient_id }), 400, "INVALID_ARGUMENT", "INVALID_ARGUMENT");
    expectError(await post({ ...valid, reference_id: listed.patient_id }), 409, "FAILED_PRECONDITION", "REFERENCE_OPTED_OUT");
    const malformed = await call(`/v1.0/aicalls?accesskey=${key}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{" });
    expectError(malformed, 400, "INVALID_ARGUMENT", "INVALID_JSON_BODY");
    expectError(await post({ ...valid, padding: "x".repeat(3 * 1024 * 1024) }), 400, "INVALID_ARGUMENT", "REQUEST_BODY_TOO_LARGE");
    expect((await call("/api/v1/calls", { key })).body.pagination.total).toBe(0);
  });
});

describe("VoIPbin: GET /v1.0/aicalls", () => {
  it("pages newest first with next_page_token, in VoIPbin's timestamp format", async () => {
    const { key, patient, agent } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await startAicall(key, agent.id, patient.patient_id)).id);
    const seen: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const res = await voipbin(`/v1.0/aicalls?page_size=2${token ? `&page_token=${encodeURIComponent(token)}` : ""}`, key);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(["next_page_token", "result"]);
      for (const item of res.body.result) expect(Object.keys(item)).toEqual(AICALL_KEYS);
      seen.push(...res.body.result.map((a: any) => a.id));
      token = res.body.next_page_token;
      if (token) expect(token).toMatch(VOIPBIN_TIME);
      pages += 1;
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it("neither skips nor repeats calls created in the same millisecond", async () => {
    const { key, tenant, patient, agent } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await startAicall(key, agent.id, patient.patient_id)).id);
    // Five of them share one millisecond, as concurrent requests can.
    const instant = Date.now() - 60_000;
    for (const id of ids.slice(1, 6)) await env.DB.prepare("UPDATE calls SET created_at = ? WHERE id = ?").bind(instant, id).run();
    const expected = (
      await env.DB.prepare("SELECT id FROM calls WHERE tenant_id = ? ORDER BY created_at DESC, id DESC").bind(tenant.id).all<{ id: string }>()
    ).results.map((r) => r.id);

    for (const size of [1, 2, 3, 4]) {
      const seen: string[] = [];
      let token = "";
      for (let pages = 0; pages < 20; pages++) {
        const res = await voipbin(`/v1.0/aicalls?page_size=${size}${token ? `&page_token=${encodeURIComponent(token)}` : ""}`, key);
        expect(res.status).toBe(200);
        seen.push(...res.body.result.map((a: any) => a.id));
        token = res.body.next_page_token;
        if (!token) break;
      }
      expect(seen, `page_size ${size}`).toEqual(expected);
    }
  });

  it("treats page sizes outside 1..100 as 100, as VoIPbin does, and rejects unreadable parameters", async () => {
    const { key, patient, agent } = await setup();
    await startAicall(key, agent.id, patient.patient_id);
    for (const size of ["0", "-3", "1000"]) {
      const res = await voipbin(`/v1.0/aicalls?page_size=${size}`, key);
      expect([res.status, res.body.result.length, res.body.next_page_token]).toEqual([200, 1, ""]);
    }
    expectError(await voipbin("/v1.0/aicalls?page_size=ten", key), 400, "INVALID_ARGUMENT", "INVALID_REQUEST_PARAMETER");
    expectError(await voipbin("/v1.0/aicalls?page_token=yesterday", key), 400, "INVALID_ARGUMENT", "INVALID_ARGUMENT");
    // A token in VoIPbin's other spelling (ISO with T and Z) is read too.
    const res = await voipbin(`/v1.0/aicalls?page_token=${encodeURIComponent("2999-01-01T00:00:00.000000Z")}`, key);
    expect([res.status, res.body.result.length]).toEqual([200, 1]);
  });
});

describe("VoIPbin: GET /v1.0/aicalls/{id}", () => {
  it("answers unknown, foreign and malformed ids in VoIPbin's error shape (and never ends a foreign call)", async () => {
    const { key } = await setup();
    const other = await setup();
    const theirs = await startAicall(other.key, other.agent.id, other.patient.patient_id);
    const unknown = await voipbin("/v1.0/aicalls/99999999-9999-4999-8999-999999999999", key);
    const foreign = await voipbin(`/v1.0/aicalls/${theirs.id}`, key);
    expectError(unknown, 404, "NOT_FOUND", "AICALL_NOT_FOUND");
    expect({ ...foreign.body.error, request_id: "" }).toEqual({ ...unknown.body.error, request_id: "" });
    const foreignEnd = await voipbin(`/v1.0/aicalls/${theirs.id}/terminate`, key, { method: "POST" });
    expectError(foreignEnd, 404, "NOT_FOUND", "AICALL_NOT_FOUND");
    expect((await aicallGet(other.key, theirs.id)).status).toBe("initiating");
    expectError(await voipbin("/v1.0/aicalls/nope", key), 400, "INVALID_ARGUMENT", "INVALID_ID");
    expectError(await voipbin("/v1.0/nothing", key), 404, "NOT_FOUND", "ROUTE_NOT_FOUND");
  });
});

describe("VoIPbin: POST /v1.0/aicalls/{id}/terminate", () => {
  it("ends the call once under concurrent requests; every request sees it terminated", async () => {
    const { key, patient, agent } = await setup();
    const body = await startAicall(key, agent.id, patient.patient_id);
    const results = await Promise.all([1, 2, 3].map(() => voipbin(`/v1.0/aicalls/${body.id}/terminate`, key, { method: "POST" })));
    for (const res of results) {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: body.id, status: "terminated", tm_end: expect.stringMatching(VOIPBIN_TIME) });
      expect(res.body.tm_end).not.toBe(NOT_YET);
    }
    const hangups = (await call(`/api/v1/calls/${body.id}/events`, { key })).body.data.filter((e: any) => e.type === "hangup");
    expect(hangups).toHaveLength(1);
    expect(await callRow(body.id)).toMatchObject({ status: "failed", outcome: "hung_up_by_api" });
  });

  it("answers a call that ended by itself as it is, and refuses one still waiting to be dialed", async () => {
    const { key, patient } = await setup({ simulator: { outcome: "busy", durationMs: 100 } });
    const agentId = (await call("/api/v1/agents", { key })).body.data[0].id;
    const ended = await startAicall(key, agentId, patient.patient_id);
    await playCall(ended.id);
    const again = await voipbin(`/v1.0/aicalls/${ended.id}/terminate`, key, { method: "POST" });
    expect([again.status, again.body.status]).toEqual([200, "terminated"]);
    expect(await callRow(ended.id)).toMatchObject({ status: "failed", outcome: "busy" });

    const scheduled = await call("/api/v1/calls", {
      key,
      method: "POST",
      json: { patients: [{ patientId: patient.patient_id }], agentId, scheduledAt: new Date(Date.now() + 3_600_000).toISOString() },
    });
    const id = scheduled.body.calls[0].callId;
    expect((await aicallGet(key, id)).status).toBe("initiating");
    expectError(await voipbin(`/v1.0/aicalls/${id}/terminate`, key, { method: "POST" }), 409, "FAILED_PRECONDITION", "AICALL_STATE_INVALID");
    expectError(await voipbin(`/v1.0/aicalls/99999999-9999-4999-8999-999999999999/terminate`, key, { method: "POST" }), 404, "NOT_FOUND", "AICALL_NOT_FOUND");
    expectError(await voipbin(`/v1.0/aicalls/nope/terminate`, key, { method: "POST" }), 400, "INVALID_ARGUMENT", "INVALID_REQUEST_PARAMETER");
  });
});

describe("VoIPbin: credentials", () => {
  it("takes the key as ?accesskey=, ?token= or a bearer token; refuses others in VoIPbin's shape", async () => {
    const { key, tenant } = await setup();
    const other = await createTenant();
    expect((await call(`/v1.0/aicalls?accesskey=${key}`)).status).toBe(200);
    expect((await call(`/v1.0/aicalls?token=${key}`)).status).toBe(200);
    expect((await call("/v1.0/aicalls", { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
    expectError(await call("/v1.0/aicalls"), 401, "UNAUTHENTICATED", "AUTHENTICATION_REQUIRED");
    expectError(await call("/v1.0/aicalls?accesskey=sb_wrong"), 401, "UNAUTHENTICATED", "INVALID_CREDENTIALS");
    expectError(await call(`/v1.0/aicalls?accesskey=${key}`, { headers: { TENANT: other.id } }), 403, "PERMISSION_DENIED", "PERMISSION_DENIED");
    expect((await call(`/v1.0/aicalls?accesskey=${key}`, { headers: { TENANT: tenant.id } })).status).toBe(200);
  });
});
