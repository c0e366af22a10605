import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, api, call, json } from "../helpers/http";
import { createAgent, createPatient, createTenant, setup } from "../helpers/tenants";
import { placeCall } from "../helpers/calls";

async function auditOf(key: string, query = "") {
  const res = await call(`/api/v1/audit-events${query}`, { key });
  expect(res.status).toBe(200);
  return res.body as { data: any[]; pagination: any };
}

/** The tenant's trail as `action object_id` lines, oldest first (only one key's, when given). */
async function trail(key: string, apiKeyId?: string) {
  const query = `?size=500${apiKeyId ? `&api_key_id=${apiKeyId}` : ""}`;
  return (await auditOf(key, query)).data.reverse().map((e) => `${e.action} ${e.object_id}`);
}

describe("audit trail", () => {
  it("records the operator's tenant and key actions", async () => {
    const tenant = await createTenant("Audited Clinic");
    const issued = await json(await api(`/admin/tenants/${tenant.id}/keys`, { method: "POST", headers: ADMIN, json: { name: "ehr" } }));
    await api(`/admin/tenants/${tenant.id}`, { method: "PATCH", headers: ADMIN, json: { concurrencyLimit: 3 } });
    await api(`/admin/tenants/${tenant.id}/keys/${issued.id}`, { method: "DELETE", headers: ADMIN });
    // Revoking again changes nothing and records nothing.
    await api(`/admin/tenants/${tenant.id}/keys/${issued.id}`, { method: "DELETE", headers: ADMIN });

    expect(await trail(tenant.apiKey)).toEqual([
      `tenant.created ${tenant.id}`,
      `api_key.issued ${tenant.apiKeyId}`,
      `api_key.issued ${issued.id}`,
      `tenant.updated ${tenant.id}`,
      `api_key.revoked ${issued.id}`,
    ]);
    const events = (await auditOf(tenant.apiKey)).data;
    for (const e of events) expect(e.actor).toEqual({ type: "admin", api_key_id: null });
    expect(events.find((e) => e.action === "tenant.updated").detail).toEqual({ fields: ["concurrencyLimit"] });
  });

  it("records patient, agent and call actions with the acting key and request id, and no PHI", async () => {
    const { apiKey: key, apiKeyId } = await createTenant();
    const patient = await createPatient(key, { firstName: "Grace", lastName: "Hopper", phoneNumber: "+15555550199" });
    const patch = await api(`/api/v1/patients/${patient.patient_id}`, { method: "PATCH", key, json: { lastName: "Murray Hopper", birthDate: "1906-12-09" } });
    const agent = await createAgent(key);
    await api(`/api/v1/agents/${agent.id}`, { method: "PATCH", key, json: { greeting: "Hello Grace" } });
    const callId = await placeCall(key, patient.patient_id, agent.id);
    expect((await call(`/api/v1/calls/${callId}`, { method: "DELETE", key })).status).toBe(200);
    // A refused hangup (the call has ended) is not an action.
    expect((await call(`/api/v1/calls/${callId}`, { method: "DELETE", key })).status).toBe(400);
    await api(`/api/v1/agents/${agent.id}`, { method: "DELETE", key });
    const other = await createPatient(key);
    await api(`/api/v1/patients/${other.patient_id}`, { method: "DELETE", key });

    expect(await trail(key, apiKeyId)).toEqual([
      `patient.created ${patient.patient_id}`,
      `patient.updated ${patient.patient_id}`,
      `agent.created ${agent.id}`,
      `agent.updated ${agent.id}`,
      `call.created ${callId}`,
      `call.hung_up ${callId}`,
      `agent.deleted ${agent.id}`,
      `patient.created ${other.patient_id}`,
      `patient.deleted ${other.patient_id}`,
    ]);
    const { data } = await auditOf(key, `?api_key_id=${apiKeyId}`);
    for (const e of data) {
      expect(e.actor).toEqual({ type: "api_key", api_key_id: apiKeyId });
      expect(e.request_id).toMatch(/^req_/);
      expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    const updated = data.find((e) => e.action === "patient.updated");
    expect(updated.request_id).toBe(patch.headers.get("X-Request-Id"));
    expect(updated.detail).toEqual({ fields: ["lastName", "birthDate"] });
    expect(data.find((e) => e.action === "call.created")).toMatchObject({ object_type: "call", detail: { batchId: expect.any(String) } });
    const text = JSON.stringify(data);
    for (const phi of ["Grace", "Hopper", "+15555550199", "1906-12-09", "Hello"]) expect(text).not.toContain(phi);
  });

  it("records one entry per call of a batch", async () => {
    const { key, agent } = await setup();
    const patients = [await createPatient(key), await createPatient(key), await createPatient(key)];
    const res = await json(await api("/api/v1/calls", { method: "POST", key, json: { patients: patients.map((p) => ({ patientId: p.patient_id })), agentId: agent.id } }));
    const created = (await auditOf(key, "?action=call.created")).data;
    expect(created.map((e) => e.object_id).sort()).toEqual(res.calls.map((c: any) => c.callId).sort());
    expect(new Set(created.map((e) => e.detail.batchId))).toEqual(new Set([res.batchId]));
  });

  it("records webhook endpoint changes", async () => {
    const { apiKey: key, apiKeyId } = await createTenant();
    const endpoint = await json(await api("/api/v1/webhook-endpoints", { method: "POST", key, json: { url: "http://localhost:9/hooks" } }));
    await api(`/api/v1/webhook-endpoints/${endpoint.id}`, { method: "PATCH", key, json: { enabled: false } });
    await api(`/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { method: "POST", key });
    await api(`/api/v1/webhook-endpoints/${endpoint.id}`, { method: "DELETE", key });
    expect(await trail(key, apiKeyId)).toEqual([
      `webhook_endpoint.created ${endpoint.id}`,
      `webhook_endpoint.updated ${endpoint.id}`,
      `webhook_endpoint.secret_rotated ${endpoint.id}`,
      `webhook_endpoint.deleted ${endpoint.id}`,
    ]);
    // Never the secret.
    expect(JSON.stringify((await auditOf(key)).data)).not.toContain("whsec_");
  });

  it("filters by action, object, key and time, and pages", async () => {
    const tenant = await createTenant();
    const second = await json(await api(`/admin/tenants/${tenant.id}/keys`, { method: "POST", headers: ADMIN }));
    const a = await createPatient(tenant.apiKey);
    const b = await createPatient(second.apiKey);
    await api(`/api/v1/patients/${a.patient_id}`, { method: "DELETE", key: second.apiKey });

    expect((await auditOf(tenant.apiKey, "?action=patient.created")).data.map((e) => e.object_id)).toEqual([b.patient_id, a.patient_id]);
    expect((await auditOf(tenant.apiKey, `?object_id=${a.patient_id}`)).data.map((e) => e.action)).toEqual(["patient.deleted", "patient.created"]);
    expect((await auditOf(tenant.apiKey, `?api_key_id=${second.id}`)).data.map((e) => `${e.action} ${e.object_id}`)).toEqual([
      `patient.deleted ${a.patient_id}`,
      `patient.created ${b.patient_id}`,
    ]);
    const all = (await auditOf(tenant.apiKey)).data;
    const newest = all[0];
    expect((await auditOf(tenant.apiKey, `?since=${encodeURIComponent(newest.at)}`)).data.map((e) => e.id)).toContain(newest.id);
    expect((await auditOf(tenant.apiKey, `?until=${encodeURIComponent(all[all.length - 1].at)}`)).data).toEqual([]);
    const page = await auditOf(tenant.apiKey, "?size=2&start=2");
    expect(page.data.map((e) => e.id)).toEqual(all.slice(1, 3).map((e) => e.id));
    expect(page.pagination).toMatchObject({ start: 2, requested_size: 2, returned_count: 2, total: all.length, hasMore: true });
    expect((await call("/api/v1/audit-events?since=yesterday", { key: tenant.apiKey })).status).toBe(400);
  });

  it("shows a tenant only its own trail", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const p = await createPatient(a.apiKey);
    expect((await auditOf(b.apiKey, `?object_id=${p.patient_id}`)).data).toEqual([]);
    expect((await auditOf(b.apiKey)).data.every((e) => e.object_id !== p.patient_id)).toBe(true);
    expect((await call("/api/v1/audit-events")).status).toBe(401);
  });

  it("records nothing twice when a request is replayed by its Idempotency-Key", async () => {
    const { apiKey: key } = await createTenant();
    const headers = { "Idempotency-Key": "audit-once", "X-API-Key": key };
    const body = { firstName: "A", lastName: "B" };
    await api("/api/v1/patients", { method: "POST", headers, json: body });
    await api("/api/v1/patients", { method: "POST", headers, json: body });
    expect((await auditOf(key, "?action=patient.created")).data).toHaveLength(1);
  });

  it("is append-only in the database itself", async () => {
    const { apiKey: key, id } = await createTenant();
    await createPatient(key);
    await expect(env.DB.prepare(`UPDATE audit_events SET action = 'nothing' WHERE tenant_id = ?`).bind(id).run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare(`DELETE FROM audit_events WHERE tenant_id = ?`).bind(id).run()).rejects.toThrow(/append-only/);
    expect((await auditOf(key)).data.length).toBeGreaterThan(0);
  });
});
