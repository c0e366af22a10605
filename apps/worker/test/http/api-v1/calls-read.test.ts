import { describe, expect, it } from "vitest";
import { api, call, expectEnvelope, json } from "../../helpers/http";
import { createAgent, createPatient, setup } from "../../helpers/tenants";
import { createCalls, getCall, listCalls, placeCall } from "../../helpers/calls";
import { sleep, waitForStatus } from "../../helpers/wait";
import { playCall } from "../../helpers/objects";

const PATH = "/api/v1/calls";

const CALL_KEYS = [
  "id", "status", "phone_number", "direction", "created_at", "started_at", "ended_at", "final_report",
  "batch_id", "agent_id", "duration", "patient", "client_metadata",
];

function expectCallShape(c: any) {
  for (const k of CALL_KEYS) expect(c, k).toHaveProperty(k);
  expect(c.direction).toBe("outbound");
  expect(c.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  if (c.patient !== null) expect(Object.keys(c.patient).sort()).toEqual(["birth_date", "email", "first_name", "last_name", "patient_id", "phone_number"]);
}

describe("GET /api/v1/calls/{id}", () => {
  it("answers the documented call object while live: no end, no duration", async () => {
    const { key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const c = await getCall(key, callId);
    expectCallShape(c);
    expect(c).toMatchObject({
      id: callId,
      status: "initiating",
      phone_number: patient.phone_number,
      direction: "outbound",
      started_at: null,
      ended_at: null,
      final_report: null,
      agent_id: agent.id,
      duration: null,
      patient: {
        patient_id: patient.patient_id,
        first_name: patient.first_name,
        last_name: patient.last_name,
        birth_date: patient.birth_date,
        email: patient.email,
        phone_number: patient.phone_number,
      },
      client_metadata: null,
    });
    expect(c.batch_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("after completion: timestamps, whole-second duration, final report and client_metadata", async () => {
    const { key, patient, agent } = await setup({ simulator: { durationMs: 1500 } });
    const extended = { appointment: { name: "General Check Up", start_time: "August 22, 2025 at 10:30 AM" } };
    const res = await createCalls(key, { patients: [{ patientId: patient.patient_id, extended }], agentId: agent.id, reason: "checkup" });
    const callId = (await json(res)).calls[0].callId;
    // A whole-second duration needs a second to pass between answer and end: played by the runtime, on time.
    const c = await waitForStatus(key, callId, "completed");
    expectCallShape(c);
    const created = Date.parse(c.created_at);
    const started = Date.parse(c.started_at);
    const ended = Date.parse(c.ended_at);
    expect(started).toBeGreaterThanOrEqual(created);
    expect(ended).toBeGreaterThan(started);
    expect(Number.isInteger(c.duration)).toBe(true);
    expect(c.duration).toBe(Math.round((ended - started) / 1000));
    expect(c.duration).toBeGreaterThanOrEqual(1);
    expect(c.final_report).toMatchObject({ outcome: "human", call_successful: true, summary: expect.stringContaining("checkup") });
    expect(c.client_metadata).toEqual(extended);
    expect(c.outcome).toBe("human");
  });

  it("embeds null as patient once the patient is deleted, and erases the number called (PHI)", async () => {
    const { key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    // Deleting a patient erases their PHI, so it waits for their calls to end.
    expect((await api(`/api/v1/patients/${patient.patient_id}`, { method: "DELETE", key })).status).toBe(409);
    await playCall(callId);
    expect((await api(`/api/v1/patients/${patient.patient_id}`, { method: "DELETE", key })).status).toBe(200);
    const c = await getCall(key, callId);
    expect(c.patient).toBeNull();
    expect(c.phone_number).toBe("");
    expect(c.final_report).toBeNull();
    // also in lists
    expect((await listCalls(key)).data[0].patient).toBeNull();
  });

  it("reflects a patient's later edits (the embed is live, the number called is not)", async () => {
    const { key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    await api(`/api/v1/patients/${patient.patient_id}`, { method: "PATCH", key, json: { firstName: "Janet", phoneNumber: "+15555550999" } });
    const c = await getCall(key, callId);
    expect(c.patient).toMatchObject({ first_name: "Janet", phone_number: "+15555550999" });
    expect(c.phone_number).toBe(patient.phone_number);
  });

  it("answers 404 in the envelope for an unknown id", async () => {
    const { key } = await setup();
    for (const id of ["99999999-9999-4999-8999-999999999999", "nope"]) {
      const res = await call(`${PATH}/${id}`, { key });
      expect(res.status).toBe(404);
      expectEnvelope(res.body, 404, `${PATH}/${id}`, "GET", "Call not found");
    }
  });
});

describe("GET /api/v1/calls", () => {
  it("validates size, start and ended_after (400 envelope)", async () => {
    const { key } = await setup();
    const cases: [string, RegExp][] = [
      ["size=0", /size must be an integer between 1 and 500/],
      ["size=501", /size must be an integer between 1 and 500/],
      ["size=-5", /size/],
      ["size=ten", /size/],
      ["size=2.5", /size/],
      ["start=0", /start must be an integer >= 1/],
      ["start=-1", /start/],
      ["start=1.5", /start/],
      ["start=first", /start/],
      ["ended_after=yesterday", /ended_after must be an ISO 8601 date-time/],
      ["ended_after=2024-13-01T00:00:00Z", /ended_after/],
      ["ended_after=1704067200000", /ended_after/],
    ];
    for (const [query, message] of cases) {
      const res = await call(`${PATH}?${query}`, { key });
      expect(res.status, query).toBe(400);
      expectEnvelope(res.body, 400, PATH, "GET", message);
    }
    for (const query of ["size=1", "size=500", "start=1", "start=1000", "ended_after=2024-01-01T00:00:00.000Z", "ended_after=2024-01-01T00:00:00%2B02:00"]) {
      expect((await api(`${PATH}?${query}`, { key })).status, query).toBe(200);
    }
  });

  it("defaults to start 1 and size 100, in the documented pagination object", async () => {
    const { key, patient, agent } = await setup();
    await placeCall(key, patient.patient_id, agent.id);
    const body = await listCalls(key);
    expect(Object.keys(body)).toEqual(["data", "pagination"]);
    expect(body.pagination).toEqual({ start: 1, requested_size: 100, returned_count: 1, total: 1, hasMore: false });
    expectCallShape(body.data[0]);
    // the list's call is the same object GET one answers
    expect(body.data[0]).toEqual(await getCall(key, body.data[0].id));
  });

  it("pages newest first, without duplicates or gaps, in a stable order", async () => {
    const { key, patient, agent } = await setup();
    const others = [await createPatient(key), await createPatient(key), await createPatient(key)];
    // 3 single calls and a batch of 4: 7 calls
    const singles: string[] = [];
    for (let i = 0; i < 3; i++) {
      singles.push(await placeCall(key, patient.patient_id, agent.id));
      await sleep(5);
    }
    const batchRes = await createCalls(key, { patients: [patient, ...others].map((p) => ({ patientId: p.patient_id })), agentId: agent.id });
    const batch = (await json(batchRes)).calls.map((c: any) => c.callId as string);

    const all = await listCalls(key);
    const order: string[] = all.data.map((c: any) => c.id);
    expect(order).toHaveLength(7);
    expect(new Set(order)).toEqual(new Set([...singles, ...batch]));
    // newest first: created_at never increases down the list
    const created = all.data.map((c: any) => Date.parse(c.created_at));
    expect(created).toEqual([...created].sort((x, y) => y - x));
    // the batch (newest) comes first, in the order of the request; then the singles, newest first
    expect(order).toEqual([...batch, ...[...singles].reverse()]);

    for (let pass = 0; pass < 2; pass++) {
      const paged: string[] = [];
      for (let start = 1; start <= 7; start += 2) {
        const page = await listCalls(key, `?size=2&start=${start}`);
        const expectedCount = Math.min(2, 7 - (start - 1));
        expect(page.pagination).toEqual({ start, requested_size: 2, returned_count: expectedCount, total: 7, hasMore: start - 1 + expectedCount < 7 });
        paged.push(...page.data.map((c: any) => c.id));
      }
      expect(paged).toEqual(order);
    }
    // an odd start (not a page boundary) is an index, not a page number
    const fromThird = await listCalls(key, "?size=3&start=3");
    expect(fromThird.data.map((c: any) => c.id)).toEqual(order.slice(2, 5));
    const past = await listCalls(key, "?size=5&start=8");
    expect(past.data).toEqual([]);
    expect(past.pagination).toEqual({ start: 8, requested_size: 5, returned_count: 0, total: 7, hasMore: false });
  });

  it("ended_after keeps only calls that ended after it, and echoes it", async () => {
    const { key, patient, agent } = await setup({ simulator: { durationMs: 200 } });
    const first = await placeCall(key, patient.patient_id, agent.id);
    await playCall(first, "completed");
    const firstDone = await getCall(key, first);
    await sleep(5);
    const cut = new Date().toISOString();
    await sleep(5);
    const second = await placeCall(key, patient.patient_id, agent.id);
    await playCall(second, "completed");
    const secondDone = await getCall(key, second);
    // a live call has not ended, so never matches
    const slow = await createAgent(key, { simulator: { durationMs: 600_000 } });
    const live = await placeCall(key, patient.patient_id, slow.id);

    expect(Date.parse(firstDone.ended_at)).toBeLessThan(Date.parse(cut));
    expect(Date.parse(secondDone.ended_at)).toBeGreaterThan(Date.parse(cut));
    const filtered = await listCalls(key, `?ended_after=${encodeURIComponent(cut)}`);
    expect(filtered.data.map((c: any) => c.id)).toEqual([second]);
    expect(filtered.pagination).toEqual({ start: 1, requested_size: 100, returned_count: 1, total: 1, hasMore: false, ended_after: cut });

    const early = "2000-01-01T00:00:00.000Z";
    const both = await listCalls(key, `?ended_after=${early}`);
    expect(both.data.map((c: any) => c.id)).toEqual([second, first]);
    expect(both.pagination.ended_after).toBe(early);
    expect(both.data.map((c: any) => c.id)).not.toContain(live);

    const none = await listCalls(key, `?ended_after=${encodeURIComponent(secondDone.ended_at)}`);
    expect(none.pagination.total).toBe(0);
    // without the filter, all three; no ended_after key in the pagination
    const all = await listCalls(key);
    expect(all.pagination.total).toBe(3);
    expect(all.pagination).not.toHaveProperty("ended_after");
  });
});

describe("campaigns", () => {
  it("lists campaigns in the documented shape, newest first", async () => {
    const { key, patient, agent } = await setup();
    const r1 = await json(await createCalls(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id, name: "First" }));
    await sleep(5);
    const r2 = await json(await createCalls(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id }));
    const res = await call(`${PATH}/campaigns`, { key });
    expect(res.status).toBe(200);
    // Each campaign also carries its status and progress (test/campaign-progress.test.ts checks their values).
    const running = { status: expect.stringMatching(/^(releasing|released)$/), scheduled_at: null, paused: false, progress: expect.objectContaining({ total: 1 }) };
    expect(res.body).toEqual({
      data: [
        { id: r2.batchId, name: null, agent_id: agent.id, created_at: expect.any(String), ...running },
        { id: r1.batchId, name: "First", agent_id: agent.id, created_at: expect.any(String), ...running },
      ],
      pagination: { start: 1, requested_size: 100, returned_count: 2, total: 2, hasMore: false },
    });
    const page = await call(`${PATH}/campaigns?size=1&start=2`, { key });
    expect(page.body.data.map((c: any) => c.id)).toEqual([r1.batchId]);
    expect(page.body.pagination).toEqual({ start: 2, requested_size: 1, returned_count: 1, total: 2, hasMore: false });
    for (const query of ["size=0", "size=501", "start=0"]) {
      const bad = await call(`${PATH}/campaigns?${query}`, { key });
      expect(bad.status, query).toBe(400);
      expectEnvelope(bad.body, 400, `${PATH}/campaigns`, "GET");
    }
  });

  it("shows a campaign with a page of its calls", async () => {
    const { key, patient, agent } = await setup();
    const p2 = await createPatient(key);
    const p3 = await createPatient(key);
    const created = await json(
      await createCalls(key, { patients: [patient, p2, p3].map((p) => ({ patientId: p.patient_id, extended: { who: p.patient_id } })), agentId: agent.id, name: "Reminders" }),
    );
    // a call outside the campaign is not listed in it
    await placeCall(key, patient.patient_id, agent.id);
    const res = await call(`${PATH}/campaigns/${created.batchId}`, { key });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["campaign", "data", "pagination"]);
    expect(res.body.campaign).toMatchObject({ id: created.batchId, name: "Reminders", agentId: agent.id, createdAt: expect.stringMatching(/^\d{4}-/) });
    const ids = created.calls.map((c: any) => c.callId);
    expect(res.body.data.map((c: any) => c.id)).toEqual(ids);
    for (const c of res.body.data) {
      expectCallShape(c);
      expect(c.client_metadata).toEqual({ who: c.patient.patient_id });
    }
    expect(res.body.pagination).toEqual({ start: 1, requested_size: 100, returned_count: 3, total: 3, hasMore: false });

    const page = await call(`${PATH}/campaigns/${created.batchId}?size=2&start=2`, { key });
    expect(page.body.data.map((c: any) => c.id)).toEqual(ids.slice(1));
    expect(page.body.pagination).toEqual({ start: 2, requested_size: 2, returned_count: 2, total: 3, hasMore: false });

    const filtered = await call(`${PATH}/campaigns/${created.batchId}?ended_after=2000-01-01T00:00:00.000Z`, { key });
    expect(filtered.body.data).toEqual([]);
    expect(filtered.body.pagination).toMatchObject({ total: 0, ended_after: "2000-01-01T00:00:00.000Z" });
    expect((await call(`${PATH}/campaigns/${created.batchId}?ended_after=soon`, { key })).status).toBe(400);
  });

  it("answers 404 for an unknown campaign", async () => {
    const { key } = await setup();
    for (const id of ["99999999-9999-4999-8999-999999999999", "not-a-batch"]) {
      const res = await call(`${PATH}/campaigns/${id}`, { key });
      expect(res.status).toBe(404);
      expectEnvelope(res.body, 404, `${PATH}/campaigns/${id}`, "GET", "Campaign not found");
    }
  });
});
