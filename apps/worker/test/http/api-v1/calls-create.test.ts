import { describe, expect, it } from "vitest";
import { api, call, expectEnvelope, json } from "../../helpers/http";
import { createPatient, setup } from "../../helpers/tenants";
import { createCalls, getCall, getEvents, listCalls } from "../../helpers/calls";
import { callStub } from "../../helpers/objects";

const PATH = "/api/v1/calls";
const UUID_FORMAT = 'UUID v4 (e.g., "22222222-2222-2222-2222-222222222222")';
const OBJECT_FORMAT = 'Object (e.g., {"appointment": {"name": "General Check Up"}})';

async function totals(key: string) {
  const calls = await listCalls(key);
  const campaigns = await json(await api("/api/v1/calls/campaigns", { key }));
  return { calls: calls.pagination.total as number, campaigns: campaigns.pagination.total as number };
}

describe("POST /api/v1/calls", () => {
  it("answers in the documented shape, echoing the request", async () => {
    const { key, patient, agent } = await setup();
    const second = await createPatient(key);
    const request = {
      patients: [
        { patientId: patient.patient_id, extended: { appointment: { name: "General Check Up", start_time: "August 22, 2025 at 10:30 AM" } } },
        { patientId: second.patient_id, extended: { appointment: { name: "Follow-up Visit" } } },
      ],
      agentId: agent.id,
      recording: true,
      reason: "Appointment reminder",
      name: "Reminders",
    };
    const res = await call(PATH, { method: "POST", key, json: request });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(["success", "batchId", "totalQueued", "totalInitiated", "totalDeferred", "totalRefused", "calls", "message", "payload"]);
    expect(res.body).toEqual({
      success: true,
      batchId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      totalQueued: 0,
      totalInitiated: 2,
      totalDeferred: 0,
      totalRefused: 0,
      calls: [
        { callId: expect.stringMatching(/^[0-9a-f-]{36}$/), roomName: `outbound-${res.body.calls[0].callId}`, status: "initiating" },
        { callId: expect.stringMatching(/^[0-9a-f-]{36}$/), roomName: `outbound-${res.body.calls[1].callId}`, status: "initiating" },
      ],
      message: "Batch created and initiated 2 calls",
      payload: request,
    });
    expect(res.body.calls[0].callId).not.toBe(res.body.calls[1].callId);

    // Each call is its own, for its own patient, with the patient's number and extended data.
    const [c0, c1] = await Promise.all(res.body.calls.map((c: any) => getCall(key, c.callId)));
    expect(c0).toMatchObject({ batch_id: res.body.batchId, agent_id: agent.id, phone_number: patient.phone_number, client_metadata: request.patients[0]!.extended });
    expect(c0.patient.patient_id).toBe(patient.patient_id);
    expect(c1).toMatchObject({ batch_id: res.body.batchId, phone_number: second.phone_number, client_metadata: request.patients[1]!.extended });

    // The batch is a campaign with the request's name.
    const campaign = await call(`${PATH}/campaigns/${res.body.batchId}`, { key });
    expect(campaign.body.campaign).toMatchObject({ id: res.body.batchId, name: "Reminders", agentId: agent.id, createdAt: expect.any(String) });
  });

  it("echoes the payload exactly as sent (no defaults added)", async () => {
    const { key, patient, agent } = await setup();
    const request = { patients: [{ patientId: patient.patient_id }], agentId: agent.id };
    const res = await call(PATH, { method: "POST", key, json: request });
    expect(res.status).toBe(201);
    expect(res.body.payload).toEqual(request);
    expect(res.body.message).toBe("Batch created and initiated 1 calls");
  });

  it("dials every call it reports as initiating", async () => {
    const { key, patient, agent } = await setup();
    const callId = await (async () => {
      const res = await createCalls(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id });
      return (await json(res)).calls[0].callId as string;
    })();
    expect(await callStub(callId).status()).toBe("initiating");
    const events = await getEvents(key, callId);
    expect(events.map((e) => e.type)).toEqual(["created", "dispatched", "provider.attempt", "provider.placed"]);
  });

  it("rejects a bad patientId in the documented validation shape", async () => {
    const { key, agent } = await setup();
    const before = await totals(key);
    const bad = "22-2222-2222-2222-22-222222-2222";
    const res = await call(PATH, { method: "POST", key, json: { patients: [{ patientId: bad }], agentId: agent.id } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      message: "Validation failed for one or more patients",
      errors: [
        {
          index: 0,
          patientId: bad,
          failedObject: { patientId: bad },
          errors: [{ field: "patientId", message: "patientId must be a valid UUID", expectedFormat: UUID_FORMAT, receivedValue: bad }],
        },
      ],
    });
    expect(await totals(key)).toEqual(before);
  });

  it("rejects a non-object extended in the documented validation shape, at the right index", async () => {
    const { key, patient, agent } = await setup();
    for (const extended of ["appointment", 5, [1, 2], true, null]) {
      const entry = { patientId: patient.patient_id, extended };
      const res = await call(PATH, { method: "POST", key, json: { patients: [{ patientId: patient.patient_id }, entry], agentId: agent.id } });
      expect(res.status, JSON.stringify(extended)).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        message: "Validation failed for one or more patients",
        errors: [
          {
            index: 1,
            patientId: patient.patient_id,
            failedObject: entry,
            errors: [{ field: "extended", message: "extended must be an object", expectedFormat: OBJECT_FORMAT, receivedValue: extended }],
          },
        ],
      });
    }
    expect((await totals(key)).calls).toBe(0);
  });

  it("reports every problem of every patient at once", async () => {
    const { key, patient, agent } = await setup();
    const res = await call(PATH, {
      method: "POST",
      key,
      json: { patients: [{ patientId: "nope", extended: "x" }, { patientId: patient.patient_id }, { patientId: 7 }], agentId: agent.id },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => [e.index, e.errors.map((x: any) => x.field)])).toEqual([
      [0, ["patientId", "extended"]],
      [2, ["patientId"]],
    ]);
    expect(res.body.errors[1]).toMatchObject({ patientId: 7, failedObject: { patientId: 7 }, errors: [{ receivedValue: 7, expectedFormat: UUID_FORMAT }] });
  });

  it("rejects patients without a phone number, listing their ids, and creates no call of the batch", async () => {
    const { key, patient, agent } = await setup();
    const noPhone1 = await createPatient(key, { phoneNumber: null });
    const noPhone2 = await createPatient(key, { phoneNumber: null });
    const before = await totals(key);
    const res = await call(PATH, {
      method: "POST",
      key,
      json: { patients: [{ patientId: noPhone1.patient_id }, { patientId: patient.patient_id }, { patientId: noPhone2.patient_id }], agentId: agent.id },
    });
    expect(res.status).toBe(400);
    expect(res.body.statusCode).toBe(400);
    expect(res.body.message).toContain(noPhone1.patient_id);
    expect(res.body.message).toContain(noPhone2.patient_id);
    expect(res.body.missingPhoneNumbers).toEqual([noPhone1.patient_id, noPhone2.patient_id]);
    expect(res.body.errors.map((e: any) => [e.index, e.patientId, e.errors[0].field])).toEqual([
      [0, noPhone1.patient_id, "phoneNumber"],
      [2, noPhone2.patient_id, "phoneNumber"],
    ]);
    // Not even the patient with a number was called.
    expect(await totals(key)).toEqual(before);
  });

  it("rejects an unknown patient id and creates nothing", async () => {
    const { key, patient, agent } = await setup();
    const unknown = "99999999-9999-4999-8999-999999999999";
    const res = await call(PATH, { method: "POST", key, json: { patients: [{ patientId: patient.patient_id }, { patientId: unknown }], agentId: agent.id } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, message: "Validation failed for one or more patients", errors: [{ index: 1, patientId: unknown }] });
    expect((await totals(key)).calls).toBe(0);
  });

  it("answers 404 for an unknown agent and 400 for a malformed one", async () => {
    const { key, patient } = await setup();
    const unknown = await call(PATH, { method: "POST", key, json: { patients: [{ patientId: patient.patient_id }], agentId: "99999999-9999-4999-8999-999999999999" } });
    expect(unknown.status).toBe(404);
    expectEnvelope(unknown.body, 404, PATH, "POST", "Agent not found");
    const malformed = await call(PATH, { method: "POST", key, json: { patients: [{ patientId: patient.patient_id }], agentId: "agent-1" } });
    expect(malformed.status).toBe(400);
    expectEnvelope(malformed.body, 400, PATH, "POST", /agentId must be a valid UUID/);
    expect((await totals(key)).calls).toBe(0);
  });

  it("rejects malformed request bodies with the 400 envelope", async () => {
    const { key, patient, agent } = await setup();
    const ok = { patients: [{ patientId: patient.patient_id }], agentId: agent.id };
    for (const body of [
      {},
      { agentId: agent.id },
      { ...ok, patients: [] },
      { ...ok, patients: "all" },
      { ...ok, recording: "yes" },
      { ...ok, name: 5 },
      [ok],
    ]) {
      const res = await call(PATH, { method: "POST", key, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectEnvelope(res.body, 400, PATH, "POST");
    }
    expect((await totals(key)).calls).toBe(0);
  });

  it("rejects more than 1000 patients", async () => {
    const { key, patient, agent } = await setup();
    const res = await call(PATH, { method: "POST", key, json: { patients: Array.from({ length: 1001 }, () => ({ patientId: patient.patient_id })), agentId: agent.id } });
    expect(res.status).toBe(400);
    expectEnvelope(res.body, 400, PATH, "POST", /at most 1000 patients/);
    expect((await totals(key)).calls).toBe(0);
  });

  it("accepts exactly 1000 patients in one atomic batch", async () => {
    const { key, patient, agent } = await setup();
    // Scheduled, so the test measures the batch write rather than 1000 dials.
    const res = await call(PATH, {
      method: "POST",
      key,
      json: { patients: Array.from({ length: 1000 }, (_, i) => ({ patientId: patient.patient_id, extended: { i } })), agentId: agent.id, scheduledAt: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(res.status).toBe(201);
    expect(res.body.calls).toHaveLength(1000);
    expect(new Set(res.body.calls.map((c: any) => c.callId)).size).toBe(1000);
    const campaign = await call(`${PATH}/campaigns/${res.body.batchId}?size=1`, { key });
    expect(campaign.body.pagination.total).toBe(1000);
  });

  describe("scheduledAt", () => {
    it("rejects a past or malformed date with 400 and creates nothing", async () => {
      const { key, patient, agent } = await setup();
      for (const scheduledAt of [new Date(Date.now() - 60_000).toISOString(), "2020-01-01T00:00:00Z", "tomorrow", "2030-13-01T00:00:00Z", "2030-01-01", 1767225600000]) {
        const res = await call(PATH, { method: "POST", key, json: { patients: [{ patientId: patient.patient_id }], agentId: agent.id, scheduledAt } });
        expect(res.status, String(scheduledAt)).toBe(400);
        expectEnvelope(res.body, 400, PATH, "POST", /scheduledAt must be a valid (future )?ISO 8601 date/);
      }
      expect(await totals(key)).toEqual({ calls: 0, campaigns: 0 });
    });

    it("creates scheduled calls that are not dialed", async () => {
      const { key, patient, agent } = await setup();
      const scheduledAt = new Date(Date.now() + 3_600_000).toISOString();
      const res = await call(PATH, { method: "POST", key, json: { patients: [{ patientId: patient.patient_id }], agentId: agent.id, scheduledAt, description: "later" } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ success: true, totalQueued: 0, totalInitiated: 0, calls: [{ status: "scheduled" }], payload: { scheduledAt } });
      const callId = res.body.calls[0].callId;
      expect(res.body.calls[0].roomName).toBe(`outbound-${callId}`);
      const got = await getCall(key, callId);
      expect(got).toMatchObject({ status: "scheduled", started_at: null, ended_at: null, duration: null });
      // Never handed to a provider: its call object has not started and only "created" is in the history.
      expect(await callStub(callId).status()).toBeNull();
      expect((await getEvents(key, callId)).map((e) => [e.type, e.to_status])).toEqual([["created", "scheduled"]]);
      // And it cannot be hung up: it is not live.
      const hang = await call(`${PATH}/${callId}`, { method: "DELETE", key });
      expect(hang.status).toBe(400);
      expect(hang.body.error.message).toBe("Call was not in a status that could be hung up");
    });
  });
});
