import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import { forgetPlacement } from "../../src/shards/directory";
import { forgetTenantKeys } from "../../src/tenants/key-cache";
import { customerEndpoints } from "../fakes/customer-endpoints";
import { campaign, createBatch, getCall, getEvents, listCalls, placeCall } from "../helpers/calls";
import { ADMIN, api, call, json } from "../helpers/http";
import { archiveOf, DAY } from "../helpers/lifecycle";
import { fireCron, playCall, playCampaign, runSenderAlarm } from "../helpers/objects";
import { createAgent, createPatient, createTenant } from "../helpers/tenants";
import { serveForFile } from "../network";

const customers = customerEndpoints();
serveForFile(...customers.handlers);
const endpoints: string[] = [];
afterAll(async () => {
  for (const id of endpoints) {
    for (const d1 of [env.DB, env.DB_1!]) await d1.prepare(`UPDATE webhook_endpoints SET enabled = 0 WHERE id = ?`).bind(id).run();
  }
});

const shard1 = () => env.DB_1!;

/** A tenant whose data the operator placed on shard 1. */
async function tenantOnShard1(name = "Big Clinic") {
  const res = await call("/admin/tenants", { method: "POST", headers: ADMIN, json: { name, shard: 1 } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.shard).toBe(1);
  return res.body as { id: string; apiKey: string };
}

async function clinic(onShard1: boolean) {
  const tenant = onShard1 ? await tenantOnShard1() : await createTenant();
  const key = tenant.apiKey;
  const patient = await createPatient(key);
  const agent = await createAgent(key);
  return { tenant, key, patient, agent };
}

async function count(d1: D1Database, sql: string, ...binds: unknown[]) {
  return (await d1.prepare(sql).bind(...binds).first<{ n: number }>())!.n;
}

describe("tenant shards: placement and the directory", () => {
  it("places a tenant where the operator says; the directory and keys stay on shard 0, the tenant row is on both", async () => {
    const t = await tenantOnShard1();
    expect(await count(env.DB, `SELECT COUNT(*) AS n FROM tenant_shards WHERE tenant_id = ? AND shard = 1`, t.id)).toBe(1);
    expect(await count(env.DB, `SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = ?`, t.id)).toBe(1);
    expect(await count(env.DB, `SELECT COUNT(*) AS n FROM tenants WHERE id = ?`, t.id)).toBe(1);
    expect(await count(shard1(), `SELECT COUNT(*) AS n FROM tenants WHERE id = ?`, t.id)).toBe(1);
    expect((await call(`/admin/tenants/${t.id}`, { headers: ADMIN })).body.shard).toBe(1);
    // Its audit trail is on its shard.
    expect(await count(shard1(), `SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'tenant.created'`, t.id)).toBe(1);
    // New tenants default to the open shards (NEW_TENANT_SHARDS, here 0).
    expect((await createTenant()).id).toBeTruthy();
  });

  it("refuses a shard that does not exist (400 envelope)", async () => {
    for (const shard of [2, 99, -1, "1"]) {
      const res = await call("/admin/tenants", { method: "POST", headers: ADMIN, json: { name: "X", shard } });
      expect(res.status, String(shard)).toBe(400);
      expect(res.body.success).toBe(false);
    }
  });

  it("keeps an operator's settings change in step on the tenant's shard (the dispatcher and lifecycle read it there)", async () => {
    const t = await tenantOnShard1();
    const res = await call(`/admin/tenants/${t.id}`, { method: "PATCH", headers: ADMIN, json: { concurrencyLimit: 3, hotWindowDays: 30 } });
    expect(res.status).toBe(200);
    expect(await shard1().prepare(`SELECT concurrency_limit, hot_window_days FROM tenants WHERE id = ?`).bind(t.id).first()).toEqual({ concurrency_limit: 3, hot_window_days: 30 });
  });
});

describe("tenants on different shards see nothing of each other", () => {
  it("writes a shard-1 tenant's data to shard 1 only, and neither tenant can read the other's", async () => {
    const a = await clinic(false);
    const b = await clinic(true);
    expect(await count(shard1(), `SELECT COUNT(*) AS n FROM patients WHERE id = ?`, b.patient.patient_id)).toBe(1);
    expect(await count(env.DB, `SELECT COUNT(*) AS n FROM patients WHERE id = ?`, b.patient.patient_id)).toBe(0);
    expect(await count(shard1(), `SELECT COUNT(*) AS n FROM patients WHERE id = ?`, a.patient.patient_id)).toBe(0);

    for (const [me, other] of [[a, b], [b, a]] as const) {
      expect((await api(`/api/v1/patients/${other.patient.patient_id}`, { key: me.key })).status).toBe(404);
      expect((await api(`/api/v1/agents/${other.agent.id}`, { key: me.key })).status).toBe(404);
      const list = await json(await api(`/api/v1/patients`, { key: me.key }));
      expect(list.data.map((p: any) => p.patient_id)).toEqual([me.patient.patient_id]);
    }
    const bCall = await placeCall(b.key, b.patient.patient_id, b.agent.id);
    expect((await api(`/api/v1/calls/${bCall}`, { key: a.key })).status).toBe(404);
    expect((await listCalls(a.key)).data).toEqual([]);
    // And a tenant cannot name the other's patient in a call.
    const res = await api("/api/v1/calls", { method: "POST", key: a.key, json: { agentId: a.agent.id, patients: [{ patientId: b.patient.patient_id }] } });
    expect(res.status).toBe(400);
  });
});

describe("calls, the dispatcher, webhooks and the cron work on both shards", () => {
  for (const onShard1 of [false, true]) {
    const where = onShard1 ? "shard 1" : "shard 0";
    it(`plays a call to its end through its call object (${where})`, async () => {
      const t = await clinic(onShard1);
      const callId = await placeCall(t.key, t.patient.patient_id, t.agent.id);
      await playCall(callId);
      expect((await getCall(t.key, callId)).status).toBe("completed");
      const home = onShard1 ? shard1() : env.DB;
      const away = onShard1 ? env.DB : shard1();
      expect(await count(home, `SELECT COUNT(*) AS n FROM call_events WHERE call_id = ?`, callId)).toBe((await getEvents(t.key, callId)).length);
      expect(await count(away, `SELECT COUNT(*) AS n FROM calls WHERE id = ?`, callId)).toBe(0);
    });

    it(`releases a scheduled campaign from the cron and dispatches it (${where})`, async () => {
      const t = await clinic(onShard1);
      const at = Date.now() + 2 * 60_000;
      const batch = await createBatch(t.key, { agentId: t.agent.id, patients: [{ patientId: t.patient.patient_id }], scheduledAt: new Date(at).toISOString() });
      await fireCron(at);
      await playCampaign(t.tenant.id, batch.batchId);
      const result = await campaign(t.key, batch.batchId);
      expect(result.status).toBe("released");
      expect(result.progress.byStatus.completed).toBe(1);
    });

    it(`delivers customer webhooks from the tenant's shard (${where})`, async () => {
      const t = await clinic(onShard1);
      const target = customers.endpoint();
      const res = await api("/api/v1/webhook-endpoints", { method: "POST", key: t.key, json: { url: target.url } });
      expect(res.status).toBe(201);
      const endpoint = await json(res);
      endpoints.push(endpoint.id);
      await placeCall(t.key, t.patient.patient_id, t.agent.id);
      const home = onShard1 ? shard1() : env.DB;
      for (let i = 0; i < 5 && (await count(home, `SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'succeeded'`, endpoint.id)) === 0; i++) {
        await runSenderAlarm(endpoint.id);
      }
      expect(await count(home, `SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'succeeded'`, endpoint.id)).toBeGreaterThan(0);
      expect(customers.received.some((r) => r.name === target.name && r.body.includes('"call.created"'))).toBe(true);
    });

    it(`archives the tenant's history from the cron (${where})`, async () => {
      const t = await clinic(onShard1);
      const callId = await placeCall(t.key, t.patient.patient_id, t.agent.id);
      await playCall(callId);
      const before = await getCall(t.key, callId);
      await fireCron(Date.now() + 91 * DAY);
      const home = onShard1 ? shard1() : env.DB;
      expect(await count(home, `SELECT COUNT(*) AS n FROM calls WHERE id = ?`, callId)).toBe(0);
      expect((await archiveOf(t.tenant.id)).has(`call:${callId}`)).toBe(true);
      expect(await getCall(t.key, callId)).toEqual(before);
    });
  }
});

describe("moving a tenant: its writes are held", () => {
  it("answers 503 with Retry-After to writes while the directory holds them; reads still work", async () => {
    const t = await clinic(true);
    await env.DB.prepare(`UPDATE tenant_shards SET writes_held_at = ? WHERE tenant_id = ?`).bind(Date.now(), t.tenant.id).run();
    forgetPlacement();
    // Requests resolve the tenant's shard with its key: this isolate's cached key goes too (others see it within API_KEY_CACHE_TTL_MS).
    forgetTenantKeys(t.tenant.id);
    try {
      const res = await api("/api/v1/patients", { method: "POST", key: t.key, json: { firstName: "A", lastName: "B" } });
      expect(res.status).toBe(503);
      expect(res.headers.get("Retry-After")).toBe("60");
      expect((await json(res)).error.message).toMatch(/being moved/);
      expect((await api(`/api/v1/patients/${t.patient.patient_id}`, { key: t.key })).status).toBe(200);
    } finally {
      await env.DB.prepare(`UPDATE tenant_shards SET writes_held_at = NULL WHERE tenant_id = ?`).bind(t.tenant.id).run();
      forgetPlacement();
      forgetTenantKeys(t.tenant.id);
    }
    expect((await api("/api/v1/patients", { method: "POST", key: t.key, json: { firstName: "A", lastName: "B" } })).status).toBe(201);
  });
});
