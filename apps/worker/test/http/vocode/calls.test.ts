import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, vocode } from "../../helpers/http";
import { addToDoNotCall, createAgent, createTenant, setup, uniquePhone } from "../../helpers/tenants";
import { callRow, getCall, vocodeCreate, vocodeGet } from "../../helpers/calls";
import { callStub, playCall, runCallAlarm } from "../../helpers/objects";
import { waitForRowEnd } from "../../helpers/wait";

const UUID = /^[0-9a-f-]{36}$/;

/** The call object's fields, in the order Vocode documents them (POST /v1/calls/create, GET /v1/calls, POST /v1/calls/end). */
const CALL_KEYS = [
  "id", "user_id", "status", "error_message", "recording_available", "transcript", "human_detection_result",
  "do_not_call_result", "telephony_id", "stage", "stage_outcome", "telephony_metadata", "start_time", "end_time",
  "to_number", "from_number", "agent", "telephony_provider", "agent_phone_number", "hipaa_compliant",
  "on_no_human_answer", "context", "run_do_not_call_detection", "telephony_account_connection", "telephony_params",
];

/** The agent object's fields, in the order Vocode documents them. */
const AGENT_KEYS = [
  "id", "user_id", "name", "prompt", "language", "actions", "voice", "initial_message", "webhook", "vector_database",
  "interrupt_sensitivity", "context_endpoint", "noise_suppression", "endpointing_sensitivity", "ivr_navigation_mode",
  "conversation_speed", "initial_message_delay", "openai_model_name_override", "ask_if_human_present_on_idle",
  "openai_account_connection", "run_do_not_call_detection", "llm_fallback", "deepgram_keywords", "idle_time_seconds",
  "llm_temperature",
];

describe("Vocode: POST /v1/calls/create", () => {
  it("answers Vocode's call object, field for field", async () => {
    const { key, tenant, patient } = await setup();
    const agent = await createAgent(key, {
      name: "Reminder",
      prompt: "Remind the patient of the visit",
      greeting: "Hi, this is Ava.",
      language: "es-MX",
      voice: "21m00Tcm4TlvDq8ikWAM",
      ttsProvider: "elevenlabs",
      model: "openai.gpt-4o",
      simulator: { durationMs: 600_000 },
    });
    const body = await vocodeCreate(key, {
      from_number: "+15550001111",
      to_number: patient.phone_number,
      agent: agent.id,
      context: { visit: "Dec 2", note: null },
      telephony_params: { region: "us" },
    });
    expect(Object.keys(body)).toEqual(CALL_KEYS);
    expect(Object.keys(body.agent)).toEqual(AGENT_KEYS);
    expect(body).toEqual({
      id: expect.stringMatching(UUID),
      user_id: tenant.id,
      status: "not_started",
      error_message: null,
      recording_available: false,
      transcript: null,
      human_detection_result: null,
      do_not_call_result: null,
      telephony_id: `sim_${body.id}`,
      stage: "created",
      stage_outcome: null,
      telephony_metadata: null,
      start_time: null,
      end_time: null,
      to_number: patient.phone_number,
      from_number: "+15550001111",
      agent: {
        id: agent.id,
        user_id: tenant.id,
        name: "Reminder",
        prompt: { id: agent.id, user_id: tenant.id, content: "Remind the patient of the visit", collect_fields: [], context_endpoint: null, prompt_template: null },
        language: "es",
        actions: [],
        voice: {
          id: agent.id,
          user_id: tenant.id,
          type: "voice_eleven_labs",
          voice_id: "21m00Tcm4TlvDq8ikWAM",
          stability: null,
          similarity_boost: null,
          api_key: null,
          optimize_streaming_latency: null,
          model_id: null,
          experimental_input_streaming: null,
        },
        initial_message: "Hi, this is Ava.",
        webhook: null,
        vector_database: null,
        interrupt_sensitivity: null,
        context_endpoint: null,
        noise_suppression: null,
        endpointing_sensitivity: null,
        ivr_navigation_mode: null,
        conversation_speed: null,
        initial_message_delay: null,
        openai_model_name_override: "gpt-4o",
        ask_if_human_present_on_idle: null,
        openai_account_connection: null,
        run_do_not_call_detection: null,
        llm_fallback: null,
        deepgram_keywords: null,
        idle_time_seconds: null,
        llm_temperature: null,
      },
      telephony_provider: "twilio",
      agent_phone_number: "+15550001111",
      hipaa_compliant: false,
      on_no_human_answer: "continue",
      context: { visit: "Dec 2", note: null },
      run_do_not_call_detection: null,
      telephony_account_connection: null,
      telephony_params: { region: "us" },
    });
    // The same call, read back, and through the core API (one call, one row).
    expect(await vocodeGet(key, body.id)).toEqual(body);
    const core = await getCall(key, body.id);
    expect(core).toMatchObject({ status: "initiating", phone_number: patient.phone_number, agent_id: agent.id, client_metadata: { visit: "Dec 2", note: null } });
    expect(core.patient.patient_id).toBe(patient.patient_id);
  });

  it("calls a number no patient has as a new walk-in contact, and reuses it next time", async () => {
    const { key, agent } = await setup();
    const number = uniquePhone();
    const first = await vocodeCreate(key, { to_number: number, agent: agent.id });
    const second = await vocodeCreate(key, { to_number: number, agent: agent.id });
    const [a, b] = [await getCall(key, first.id), await getCall(key, second.id)];
    expect(a.patient).toMatchObject({ first_name: "Walk-in", last_name: "Contact", phone_number: number });
    expect(b.patient.patient_id).toBe(a.patient.patient_id);
    const patients = await call(`/api/v1/patients?size=500`, { key });
    expect(patients.body.data.filter((p: any) => p.phone_number === number)).toHaveLength(1);
  });

  it("shows other voice vendors in Vocode's voice types", async () => {
    const { key, patient } = await setup();
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ ttsProvider: "azure", voice: "en-US-JennyNeural" }, { type: "voice_azure", voice_name: "en-US-JennyNeural", pitch: null, rate: null }],
      [{ ttsProvider: "rime", voice: "cove" }, { type: "voice_rime", speaker: "cove", speed_alpha: null, model_id: null }],
      [{ ttsProvider: "playht", voice: "s3://voice" }, { type: "voice_play_ht", voice_id: "s3://voice", speed: null }],
      [{}, { type: "voice_azure", voice_name: "", pitch: null, rate: null }],
    ];
    for (const [settings, voice] of cases) {
      const agent = await createAgent(key, settings);
      const body = await vocodeCreate(key, { to_number: patient.phone_number, agent: agent.id });
      expect(body.agent.voice, JSON.stringify(settings)).toMatchObject(voice);
      expect(body.agent.language).toBe("en");
    }
  });
});

describe("Vocode: hipaa_compliant", () => {
  it("stores no transcript, no free-text summary and no recording, and echoes no prompt (read from D1 and the call's object)", async () => {
    const { key, patient } = await setup({ prompt: "Secret clinical prompt", simulator: { durationMs: 300 } });
    const agentId = (await call("/api/v1/agents", { key })).body.data[0].id;
    const plain = await vocodeCreate(key, { to_number: patient.phone_number, agent: agentId });
    const hipaa = await vocodeCreate(key, { to_number: patient.phone_number, agent: agentId, hipaa_compliant: true });
    expect(hipaa.hipaa_compliant).toBe(true);
    expect(hipaa.agent.prompt.content).toBe("");
    expect(plain.agent.prompt.content).toBe("Secret clinical prompt");

    await playCall(plain.id);
    await playCall(hipaa.id);
    const [plainRow, hipaaRow] = [(await callRow(plain.id))!, (await callRow(hipaa.id))!];
    expect(hipaaRow.status).toBe("completed");
    // The control call shows the test can see a transcript and a summary when they are stored.
    expect(JSON.parse(String(plainRow.transcript)).length).toBeGreaterThan(0);
    expect(JSON.parse(String(plainRow.final_report)).summary).toEqual(expect.any(String));
    expect(plainRow.recording).toBe(1);

    expect(hipaaRow.transcript).toBeNull();
    expect(hipaaRow.recording).toBe(0);
    const report = JSON.parse(String(hipaaRow.final_report));
    expect(report).toEqual({ outcome: "human", patient_confirmed: true, call_successful: true, turns: 5 });
    const events = await env.DB.prepare("SELECT detail FROM call_events WHERE call_id = ?").bind(hipaa.id).all<{ detail: string | null }>();
    for (const e of events.results) expect(e.detail ?? "").not.toMatch(/Hi!|confirm|summary/i);

    // Nor does the call's Durable Object keep it.
    const { runInDurableObject } = await import("cloudflare:test");
    const stored = await runInDurableObject(callStub(hipaa.id), async (_instance, state) => state.storage.get<Record<string, unknown>>("state"));
    expect(stored?.transcript).toBeNull();
    expect(stored?.finalReport).toEqual(report);

    const read = await vocodeGet(key, hipaa.id);
    expect(read).toMatchObject({ status: "ended", transcript: null, recording_available: false, hipaa_compliant: true });
    expect(read.agent.prompt.content).toBe("");
    expect((await vocodeGet(key, plain.id)).transcript).toMatch(/^BOT: Hi!\nHUMAN: /);
  });
});

describe("Vocode: run_do_not_call_detection", () => {
  it("records a listed number as not dialed, with do_not_call_result true", async () => {
    const { key, tenant, agent } = await setup();
    const number = uniquePhone();
    await addToDoNotCall(tenant.id, number);
    const body = await vocodeCreate(key, { to_number: number, agent: agent.id, run_do_not_call_detection: true });
    expect(body).toMatchObject({
      do_not_call_result: true,
      run_do_not_call_detection: true,
      status: "ended",
      stage: "created",
      stage_outcome: "call_did_not_connect",
      telephony_id: null,
      start_time: null,
    });
    const row = await callRow(body.id);
    // Refused by the contact policy (outcome refused, it was canceled), which says why in the history.
    expect(row).toMatchObject({ status: "canceled", outcome: "refused", provider_call_id: null, started_at: null });
    expect(await callStub(body.id).status()).toBeNull();
    const events = (await call(`/api/v1/calls/${body.id}/events`, { key })).body.data;
    expect(events).toEqual([
      expect.objectContaining({ type: "created", to_status: "canceled", detail: expect.objectContaining({ reason: "opted_out" }) }),
      expect.objectContaining({ type: "policy.refused", detail: { reason: "opted_out", reasons: ["opted_out"], attempt: 1 } }),
    ]);
  });

  it("dials a number that is not listed and says so", async () => {
    const { key, patient, agent } = await setup();
    const body = await vocodeCreate(key, { to_number: patient.phone_number, agent: agent.id, run_do_not_call_detection: true });
    expect(body).toMatchObject({ do_not_call_result: false, run_do_not_call_detection: true, status: "not_started", telephony_id: `sim_${body.id}` });
  });

  it("without detection, refuses a listed number (the core never dials opted-out numbers)", async () => {
    const { key, tenant, agent } = await setup();
    const number = uniquePhone();
    await addToDoNotCall(tenant.id, number);
    const res = await vocode("/v1/calls/create", key, { method: "POST", json: { from_number: "+15550001111", to_number: number, agent: agent.id } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: "to_number is on the do-not-call list" });
    const total = (await call("/api/v1/calls", { key })).body.pagination.total;
    expect(total).toBe(0);
  });
});

describe("Vocode: on_no_human_answer", () => {
  it("hangup: hangs up as soon as the provider reports voicemail", async () => {
    const { key, patient } = await setup({ simulator: { outcome: "voicemail" } });
    const agentId = (await call("/api/v1/agents", { key })).body.data[0].id;
    const body = await vocodeCreate(key, { to_number: patient.phone_number, agent: agentId, on_no_human_answer: "hangup" });
    // Play the script up to the pickup, which is voicemail: the call object then hangs up on itself,
    // a message it sends off its own write, so waited for.
    for (let run = 0; run < 5 && ["initiating", "dialing"].includes(String((await callRow(body.id))?.status)); run++) await runCallAlarm(body.id);
    const row = await waitForRowEnd(body.id);
    expect(row).toMatchObject({ status: "failed", outcome: "voicemail" });
    const events = (await call(`/api/v1/calls/${body.id}/events`, { key })).body.data.map((e: any) => e.type + ":" + (e.to_status ?? ""));
    expect(events).toContain("hangup:failed");
    expect(events).not.toContain("provider.status:summarizing");
    expect(await vocodeGet(key, body.id)).toMatchObject({
      status: "ended",
      stage: "picked_up",
      stage_outcome: "bot_disconnected",
      human_detection_result: "no_human",
      on_no_human_answer: "hangup",
    });
  });

  it("continue (the default): the agent stays on and leaves its message", async () => {
    const { key, patient } = await setup({ simulator: { outcome: "voicemail", durationMs: 300 } });
    const agentId = (await call("/api/v1/agents", { key })).body.data[0].id;
    const body = await vocodeCreate(key, { to_number: patient.phone_number, agent: agentId });
    await playCall(body.id);
    const row = await callRow(body.id);
    expect(row).toMatchObject({ status: "completed", outcome: "voicemail" });
    expect(await vocodeGet(key, body.id)).toMatchObject({ status: "ended", stage_outcome: "bot_disconnected", human_detection_result: "no_human", on_no_human_answer: "continue" });
  });
});

describe("Vocode: POST /v1/calls/end", () => {
  it("hangs up a live call once; a second end is refused", async () => {
    const { key, patient, agent } = await setup();
    const body = await vocodeCreate(key, { to_number: patient.phone_number, agent: agent.id });
    const [a, b] = await Promise.all([
      vocode(`/v1/calls/end?id=${body.id}`, key, { method: "POST" }),
      vocode(`/v1/calls/end?id=${body.id}`, key, { method: "POST" }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    const ok = a.status === 200 ? a : b;
    const refused = a.status === 200 ? b : a;
    expect(ok.body).toMatchObject({ id: body.id, status: "ended", stage: "created", stage_outcome: "call_did_not_connect" });
    expect(Object.keys(ok.body)).toEqual(CALL_KEYS);
    expect(refused.body).toEqual({ detail: "Call is not in progress" });
    expect(await callRow(body.id)).toMatchObject({ status: "failed", outcome: "hung_up_by_api" });
    const hangups = (await call(`/api/v1/calls/${body.id}/events`, { key })).body.data.filter((e: any) => e.type === "hangup");
    expect(hangups).toHaveLength(1);
  });
});

describe("Vocode: GET /v1/calls/list", () => {
  it("pages every call of the tenant with Vocode's page shape", async () => {
    const { key, patient, agent } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await vocodeCreate(key, { to_number: patient.phone_number, agent: agent.id })).id);
    // One placed through the core API is listed too.
    const core = await call("/api/v1/calls", { key, method: "POST", json: { patients: [{ patientId: patient.patient_id }], agentId: agent.id } });
    ids.push(core.body.calls[0].callId);

    const page1 = await vocode("/v1/calls/list?page=1&size=4", key);
    expect(page1.status).toBe(200);
    expect(Object.keys(page1.body).sort()).toEqual(["has_more", "items", "page", "size", "total", "total_is_estimated"]);
    expect(page1.body).toMatchObject({ page: 1, size: 4, has_more: true, total: 6, total_is_estimated: false });
    const page2 = await vocode("/v1/calls/list?page=2&size=4", key);
    expect(page2.body).toMatchObject({ page: 2, size: 4, has_more: false, total: 6 });
    // Oldest first by default (sort_desc defaults to false).
    expect([...page1.body.items, ...page2.body.items].map((c: any) => c.id)).toEqual(ids);
    const desc = await vocode("/v1/calls/list?size=100&sort_desc=true", key);
    expect(desc.body.items.map((c: any) => c.id)).toEqual([...ids].reverse());

    const item = page1.body.items[0];
    expect(Object.keys(item)).toEqual(CALL_KEYS);
    // The list's items name the agent by id and give times in epoch seconds.
    expect(item.agent).toBe(agent.id);
    expect(item.telephony_account_connection).toBeNull();

    const far = await vocode(`/v1/calls/list?page=${Number.MAX_SAFE_INTEGER}&size=100`, key);
    expect([far.status, far.body.items, far.body.has_more]).toEqual([200, [], false]);
    expect((await vocode("/v1/calls/list?page=1e300", key)).status).toBe(422);
    const defaults = await vocode("/v1/calls/list", key);
    expect(defaults.body).toMatchObject({ page: 1, size: 10, has_more: false, total: 6 });
  });

  it("sorts by a call field, with times as epoch seconds", async () => {
    const { key, patient } = await setup({ simulator: { durationMs: 200 } });
    const agentId = (await call("/api/v1/agents", { key })).body.data[0].id;
    const first = await vocodeCreate(key, { to_number: patient.phone_number, agent: agentId });
    await playCall(first.id);
    const second = await vocodeCreate(key, { to_number: patient.phone_number, agent: agentId });
    await playCall(second.id);
    const res = await vocode("/v1/calls/list?sort_column=start_time&sort_desc=true", key);
    expect(res.body.items.map((c: any) => c.id)).toEqual([second.id, first.id]);
    const row = await callRow(second.id);
    expect(res.body.items[0].start_time).toBe(Number(row!.started_at) / 1000);
    expect(res.body.items[0].end_time).toBe(Number(row!.ended_at) / 1000);
    const full = await vocodeGet(key, second.id);
    expect(full.start_time).toBe(new Date(Number(row!.started_at)).toISOString());
  });
});

describe("Vocode: errors in FastAPI's shapes", () => {
  it("422 with pydantic items for invalid bodies and queries", async () => {
    const { key, agent } = await setup();
    const cases: [string, string, unknown, unknown[]][] = [
      ["POST", "/v1/calls/create", {}, [
        { loc: ["body", "from_number"], msg: "Field required", type: "missing" },
        { loc: ["body", "to_number"], msg: "Field required", type: "missing" },
        { loc: ["body", "agent"], msg: "Field required", type: "missing" },
      ]],
      ["POST", "/v1/calls/create", { from_number: "+1555", to_number: "+15555550100", agent: agent.id, on_no_human_answer: "voicemail" }, [
        { loc: ["body", "on_no_human_answer"], msg: "Input should be 'continue' or 'hangup'", type: "enum" },
      ]],
      ["POST", "/v1/calls/create", { from_number: "+1555", to_number: "+15555550100", agent: { prompt: "inline" }, hipaa_compliant: "yes" }, [
        { loc: ["body", "agent"], msg: "Input should be a valid string", type: "string_type" },
        { loc: ["body", "hipaa_compliant"], msg: "Input should be a valid boolean", type: "bool_type" },
      ]],
      ["POST", "/v1/calls/create", { from_number: "+1555", to_number: "(555) 555-0100", agent: agent.id }, [
        { loc: ["body", "to_number"], msg: "to_number must be a phone number in E.164 format, e.g. +15555550142", type: "value_error" },
      ]],
      ["POST", "/v1/calls/create", { from_number: "+1555", to_number: "+15555550100", agent: agent.id, context: { a: 1 } }, [
        { loc: ["body", "context", "a"], msg: "Input should be a valid string", type: "string_type" },
      ]],
      ["GET", "/v1/calls", undefined, [{ loc: ["query", "id"], msg: "Field required", type: "missing" }]],
      ["GET", "/v1/calls?id=nope", undefined, [{ loc: ["query", "id"], msg: "Input should be a valid UUID", type: "uuid_parsing" }]],
      ["POST", "/v1/calls/end?id=nope", undefined, [{ loc: ["query", "id"], msg: "Input should be a valid UUID", type: "uuid_parsing" }]],
      ["GET", "/v1/calls/list?size=0", undefined, [{ loc: ["query", "size"], msg: "Input should be greater than or equal to 1", type: "greater_than_equal" }]],
      ["GET", "/v1/calls/list?size=101", undefined, [{ loc: ["query", "size"], msg: "Input should be less than or equal to 100", type: "less_than_equal" }]],
      ["GET", "/v1/calls/list?page=x", undefined, [{ loc: ["query", "page"], msg: "Input should be a valid integer, unable to parse string as an integer", type: "int_parsing" }]],
      ["GET", "/v1/calls/list?sort_desc=maybe", undefined, [{ loc: ["query", "sort_desc"], msg: "Input should be a valid boolean, unable to interpret input", type: "bool_parsing" }]],
      ["GET", "/v1/calls/list?sort_column=transcript", undefined, [{ loc: ["query", "sort_column"], msg: "Input should be 'start_time', 'end_time', 'to_number' or 'id'", type: "enum" }]],
    ];
    for (const [method, path, json, detail] of cases) {
      const res = await vocode(path, key, { method, ...(json === undefined ? {} : { json }) });
      expect(res.status, `${method} ${path} ${JSON.stringify(json)}`).toBe(422);
      expect(res.body, `${method} ${path} ${JSON.stringify(json)}`).toEqual({ detail });
    }
    expect((await call("/api/v1/calls", { key })).body.pagination.total).toBe(0);
  });

  it("422 for a body that is not JSON, 413 { detail } for one too large", async () => {
    const { key } = await setup();
    const res = await call("/v1/calls/create", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body: "{nope" });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ detail: [{ loc: ["body", 0], msg: "JSON decode error", type: "json_invalid" }] });
    const huge = await vocode("/v1/calls/create", key, { method: "POST", json: { context: { blob: "x".repeat(3 * 1024 * 1024) } } });
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual({ detail: expect.stringMatching(/^Request body too large/) });
  });

  it("404 { detail } for unknown agents, calls and routes, the same for another tenant's", async () => {
    const { key, patient } = await setup();
    const other = await setup();
    const theirs = await vocodeCreate(other.key, { to_number: other.patient.phone_number, agent: other.agent.id });
    const unknown = "99999999-9999-4999-8999-999999999999";
    for (const agent of [unknown, other.agent.id, "not-an-id"]) {
      const res = await vocode("/v1/calls/create", key, { method: "POST", json: { from_number: "+1555", to_number: patient.phone_number, agent } });
      expect([res.status, res.body]).toEqual([404, { detail: "Agent not found" }]);
    }
    for (const id of [unknown, theirs.id]) {
      expect(await vocode(`/v1/calls?id=${id}`, key)).toMatchObject({ status: 404, body: { detail: "Call not found" } });
      expect(await vocode(`/v1/calls/end?id=${id}`, key, { method: "POST" })).toMatchObject({ status: 404, body: { detail: "Call not found" } });
    }
    expect((await vocode("/v1/calls/list", key)).body.total).toBe(0);
    expect(await vocode("/v1/nothing", key)).toMatchObject({ status: 404, body: { detail: "Not Found" } });
    expect((await vocodeGet(other.key, theirs.id)).status).toBe("not_started");
  });

  it("401 and 403 as { detail }", async () => {
    const { key, tenant } = await setup();
    const other = await createTenant();
    const missing = await vocode("/v1/calls/list", null);
    expect([missing.status, missing.body, missing.headers.get("WWW-Authenticate")]).toEqual([401, { detail: "Not authenticated" }, "Bearer"]);
    const wrong = await vocode("/v1/calls/list", "sb_wrong");
    expect([wrong.status, wrong.body]).toEqual([401, { detail: "Invalid authentication credentials" }]);
    const mismatch = await vocode("/v1/calls/list", key, { headers: { TENANT: other.id } });
    expect([mismatch.status, mismatch.body]).toEqual([403, { detail: "The TENANT header does not match the API key's tenant" }]);
    expect((await vocode("/v1/calls/list", key, { headers: { TENANT: tenant.id } })).status).toBe(200);
  });
});

describe("Vocode: patients stay the tenant's", () => {
  it("never matches another tenant's patient by number", async () => {
    const a = await setup();
    const b = await createTenant();
    const bAgent = await createAgent(b.apiKey);
    const body = await vocodeCreate(b.apiKey, { to_number: a.patient.phone_number, agent: bAgent.id });
    const core = await getCall(b.apiKey, body.id);
    expect(core.patient.patient_id).not.toBe(a.patient.patient_id);
    expect(core.patient.first_name).toBe("Walk-in");
  });
});
