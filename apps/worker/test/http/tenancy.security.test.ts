import { beforeAll, describe, expect, it } from "vitest";
import { call, comparable, json } from "../helpers/http";
import { createAgent, createPatient, createTenant } from "../helpers/tenants";
import { createCalls, getCall, placeCall } from "../helpers/calls";

/**
 * Another tenant's id must answer exactly as an id that does not exist: same status, same body
 * (once the envelope's timestamp and request id, and the id itself, are taken out). Anything else
 * would tell a caller that the id exists somewhere.
 */
const UNKNOWN = "99999999-9999-4999-8999-999999999999";

interface Tenant {
  key: string;
  patientId: string;
  agentId: string;
  callId: string;
  batchId: string;
}

async function tenantWithData(): Promise<Tenant> {
  const t = await createTenant();
  const patient = await createPatient(t.apiKey, { firstName: "Private", email: "private@example.com" });
  const agent = await createAgent(t.apiKey);
  const res = await createCalls(t.apiKey, { patients: [{ patientId: patient.patient_id, extended: { secret: "x" } }], agentId: agent.id, name: "Private campaign" });
  expect(res.status).toBe(201);
  const body = await json(res);
  return { key: t.apiKey, patientId: patient.patient_id, agentId: agent.id, callId: body.calls[0].callId, batchId: body.batchId };
}

describe("cross-tenant access answers as an unknown id", () => {
  let a: Tenant;
  let b: Tenant;
  beforeAll(async () => {
    a = await tenantWithData();
    b = await tenantWithData();
  });

  /** Requests the same route with b's id and with an unknown id, both with a's key. */
  async function expectSameAsUnknown(method: string, path: (id: string) => string, otherId: string, body?: unknown) {
    const init = { method, key: a.key, ...(body === undefined ? {} : { json: body }) };
    const foreign = await call(path(otherId), init);
    const unknown = await call(path(UNKNOWN), init);
    expect(foreign.status, `${method} ${path(":id")}`).toBeGreaterThanOrEqual(400);
    expect(comparable(foreign, [otherId]), `${method} ${path(":id")}`).toEqual(comparable(unknown, [UNKNOWN]));
    return foreign;
  }

  it("patients: GET, PATCH, DELETE", async () => {
    const get = await expectSameAsUnknown("GET", (id) => `/api/v1/patients/${id}`, b.patientId);
    expect(get.status).toBe(404);
    expect(get.body.error.message).toBe("Patient not found");
    expect((await expectSameAsUnknown("PATCH", (id) => `/api/v1/patients/${id}`, b.patientId, { firstName: "Stolen" })).status).toBe(404);
    expect((await expectSameAsUnknown("DELETE", (id) => `/api/v1/patients/${id}`, b.patientId)).status).toBe(404);
  });

  it("agents: GET, PATCH, DELETE", async () => {
    expect((await expectSameAsUnknown("GET", (id) => `/api/v1/agents/${id}`, b.agentId)).status).toBe(404);
    expect((await expectSameAsUnknown("PATCH", (id) => `/api/v1/agents/${id}`, b.agentId, { name: "Stolen" })).status).toBe(404);
    expect((await expectSameAsUnknown("DELETE", (id) => `/api/v1/agents/${id}`, b.agentId)).status).toBe(404);
  });

  it("calls: GET one, GET events, DELETE (hangup)", async () => {
    const get = await expectSameAsUnknown("GET", (id) => `/api/v1/calls/${id}`, b.callId);
    expect(get.status).toBe(404);
    expect((await expectSameAsUnknown("GET", (id) => `/api/v1/calls/${id}/events`, b.callId)).status).toBe(404);
    const hangup = await expectSameAsUnknown("DELETE", (id) => `/api/v1/calls/${id}`, b.callId);
    expect(hangup.status).toBe(400);
    expect(hangup.body.error.message).toBe("There are no ongoing calls with that call ID");
  });

  it("campaigns: detail", async () => {
    const res = await expectSameAsUnknown("GET", (id) => `/api/v1/calls/campaigns/${id}`, b.batchId);
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe("Campaign not found");
  });

  it("POST /api/v1/calls with another tenant's patient", async () => {
    const res = await call("/api/v1/calls", { method: "POST", key: a.key, json: { patients: [{ patientId: b.patientId }], agentId: a.agentId } });
    const unknown = await call("/api/v1/calls", { method: "POST", key: a.key, json: { patients: [{ patientId: UNKNOWN }], agentId: a.agentId } });
    expect(res.status).toBe(400);
    expect(comparable(res, [b.patientId])).toEqual(comparable(unknown, [UNKNOWN]));
    expect(res.body).toMatchObject({ statusCode: 400, message: "Validation failed for one or more patients" });
    // Nothing of b's patient leaks (the request echoes only the id the caller sent).
    expect(JSON.stringify(res.body)).not.toMatch(/Private|private@example|\+1555/);
  });

  it("POST /api/v1/calls with another tenant's agent", async () => {
    const foreign = await call("/api/v1/calls", { method: "POST", key: a.key, json: { patients: [{ patientId: a.patientId }], agentId: b.agentId } });
    const unknown = await call("/api/v1/calls", { method: "POST", key: a.key, json: { patients: [{ patientId: a.patientId }], agentId: UNKNOWN } });
    expect(foreign.status).toBe(404);
    expect(comparable(foreign, [b.agentId])).toEqual(comparable(unknown, [UNKNOWN]));
    expect(foreign.body.error.message).toBe("Agent not found");
  });

  it("b's data is untouched and never listed to a", async () => {
    // Still there, unchanged, and the call still live (the hangup attempt did nothing).
    const patient = await call(`/api/v1/patients/${b.patientId}`, { key: b.key });
    expect(patient.status).toBe(200);
    expect(patient.body.first_name).toBe("Private");
    const agent = await call(`/api/v1/agents/${b.agentId}`, { key: b.key });
    expect(agent.status).toBe(200);
    expect(agent.body.name).toBe("Reminder");
    expect((await getCall(b.key, b.callId)).status).toBe("initiating");

    const bIds = [b.patientId, b.agentId, b.callId, b.batchId];
    for (const path of ["/api/v1/patients", "/api/v1/agents", "/api/v1/calls", "/api/v1/calls/campaigns"]) {
      const res = await call(`${path}?size=500`, { key: a.key });
      expect(res.status).toBe(200);
      const text = JSON.stringify(res.body);
      for (const id of bIds) expect(text, path).not.toContain(id);
      expect(res.body.pagination.total, path).toBe(1);
    }
    // a's own campaign lists only a's calls
    const campaign = await call(`/api/v1/calls/campaigns/${a.batchId}`, { key: a.key });
    expect(campaign.body.data.map((c: any) => c.id)).toEqual([a.callId]);
  });

  it("a call never embeds another tenant's patient", async () => {
    // a's own call embeds a's patient and its extended data
    const own = await getCall(a.key, a.callId);
    expect(own.patient.patient_id).toBe(a.patientId);
    expect(own.client_metadata).toEqual({ secret: "x" });
    // b places a call for its own patient: a sees neither the call nor the patient
    const other = await placeCall(b.key, b.patientId, b.agentId);
    expect((await call(`/api/v1/calls/${other}`, { key: a.key })).status).toBe(404);
  });
});
