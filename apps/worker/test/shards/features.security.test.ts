import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { placeCall } from "../helpers/calls";
import { ADMIN, api, call } from "../helpers/http";
import { playCall } from "../helpers/objects";
import { CONSENT, recordConsent } from "../helpers/policy";
import { createAgent, createPatient } from "../helpers/tenants";

// The contact policy, surface keys, the console and the audit trail for a tenant whose data is on
// shard 1: each reads and writes the tenant's own database, keys and sessions stay on shard 0, and
// nothing of the tenant's lands on shard 0's data tables.

const shard0 = () => env.DB;
const shard1 = () => env.DB_1!;

async function count(d1: D1Database, sql: string, ...binds: unknown[]) {
  return (await d1.prepare(sql).bind(...binds).first<{ n: number }>())!.n;
}

async function clinicOnShard1() {
  const res = await call("/admin/tenants", { method: "POST", headers: ADMIN, json: { name: "Shard-1 Clinic", shard: 1 } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const tenant = res.body as { id: string; apiKey: string };
  const patient = await createPatient(tenant.apiKey);
  const agent = await createAgent(tenant.apiKey);
  return { tenant, key: tenant.apiKey, patient, agent };
}

const ORIGIN = "https://switchboard.test";
const CSRF = { "X-Switchboard-Console": "1", Origin: ORIGIN, "Sec-Fetch-Site": "same-origin" };

describe("a tenant on shard 1 uses every feature on its own shard", () => {
  it("consent, do-not-call, the call's policy decision and the patient's contact history are to shard 1 only", async () => {
    const { tenant, key, patient, agent } = await clinicOnShard1();
    await recordConsent(key, patient.patient_id, CONSENT);
    const dnc = await call("/api/v1/do-not-call", { method: "POST", key, json: { numbers: [{ phoneNumber: "+15555550142" }] } });
    expect(dnc.body).toMatchObject({ added: 1 });
    for (const table of ["consent_records", "do_not_call"]) {
      expect(await count(shard1(), `SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`, tenant.id), table).toBe(1);
      expect(await count(shard0(), `SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`, tenant.id), table).toBe(0);
    }
    expect((await call(`/api/v1/patients/${patient.patient_id}/consent`, { key })).body.records).toHaveLength(1);

    const callId = await placeCall(key, patient.patient_id, agent.id);
    await playCall(callId);
    const row = await shard1().prepare("SELECT status, policy_decision FROM calls WHERE id = ?").bind(callId).first<any>();
    expect(row).toMatchObject({ status: "completed", policy_decision: "allow" });
    expect(await count(shard0(), "SELECT COUNT(*) AS n FROM calls WHERE id = ?", callId)).toBe(0);
    const history = await call(`/api/v1/patients/${patient.patient_id}/contacts`, { key });
    expect(history.status).toBe(200);
    expect(history.body.data).toEqual([expect.objectContaining({ channel: "call", id: callId, status: "completed", policy: expect.objectContaining({ decision: "allow" }) })]);
  });

  it("surface keys live on shard 0, their audit rows in the tenant's trail on shard 1", async () => {
    const { tenant, key } = await clinicOnShard1();
    const issued = await call("/api/v1/api-keys", { method: "POST", key, json: { name: "voipbin box", surface: "voipbin" } });
    expect(issued.status).toBe(201);
    expect(await count(shard0(), "SELECT COUNT(*) AS n FROM api_keys WHERE id = ?", issued.body.id)).toBe(1);
    expect(await count(shard1(), "SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = ?", tenant.id)).toBe(0);
    expect((await call("/api/v1/api-keys", { key })).body.data.map((k: any) => k.id)).toContain(issued.body.id);

    const revoked = await call(`/api/v1/api-keys/${issued.body.id}`, { method: "DELETE", key });
    expect(revoked.status).toBe(200);
    // Revoking again changes nothing and records nothing.
    await call(`/api/v1/api-keys/${issued.body.id}`, { method: "DELETE", key });
    expect((await api("/v1.0/aicalls", { headers: { Authorization: `Bearer ${issued.body.apiKey}` } })).status).toBe(401);

    const trail = await call("/api/v1/audit-events?size=50", { key });
    const actions = trail.body.data.map((e: any) => e.action);
    expect(actions.filter((a: string) => a === "api_key.issued")).toHaveLength(2); // the first key, and this one
    expect(actions.filter((a: string) => a === "api_key.revoked")).toHaveLength(1);
    expect(await count(shard0(), "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ?", tenant.id)).toBe(0);
  });

  it("the console signs a shard-1 tenant in (session on shard 0) and shows its data from shard 1", async () => {
    const { tenant, key, patient } = await clinicOnShard1();
    const res = await api("/console/session", { method: "POST", headers: CSRF, json: { apiKey: key } });
    expect(res.status).toBe(201);
    const id = (res.headers.get("Set-Cookie") ?? "").match(/^sb_console=([^;]+)/)?.[1];
    expect(id).toBeTruthy();
    expect(await count(shard0(), "SELECT COUNT(*) AS n FROM console_sessions WHERE tenant_id = ?", tenant.id)).toBe(1);

    const patients = await api("/console/api/v1/patients", { headers: { Cookie: `sb_console=${id}` } });
    expect(patients.status).toBe(200);
    expect(((await patients.json()) as any).data.map((p: any) => p.patient_id)).toEqual([patient.patient_id]);
    // Signed in, and the read of patient data, recorded in the tenant's trail on its shard.
    expect(await count(shard1(), "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'api_key.console_signed_in'", tenant.id)).toBe(1);
    expect(await count(shard0(), "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ?", tenant.id)).toBe(0);
  });

  it("the operator's limit and retention changes reach both copies of the tenant row, audited on shard 1", async () => {
    const { tenant } = await clinicOnShard1();
    const res = await call(`/admin/tenants/${tenant.id}`, { method: "PATCH", headers: ADMIN, json: { limits: { callsPerMinute: 7 }, hotWindowDays: 30 } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ shard: 1, hotWindowDays: 30, limits: { callsPerMinute: 7 } });
    for (const d1 of [shard0(), shard1()]) {
      expect(await d1.prepare("SELECT calls_per_minute, hot_window_days FROM tenants WHERE id = ?").bind(tenant.id).first()).toEqual({ calls_per_minute: 7, hot_window_days: 30 });
    }
    expect(await count(shard1(), "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'tenant.updated'", tenant.id)).toBe(1);
  });
});
