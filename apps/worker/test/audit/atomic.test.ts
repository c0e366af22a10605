import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { WebhookSender } from "../../src/objects/webhook-sender";
import { afterAll, describe, expect, it } from "vitest";
import { ADMIN, call } from "../helpers/http";
import { createAgent, createPatient, createTenant, setup } from "../helpers/tenants";
import { poll } from "../helpers/wait";
import { commsSetup, sendMessage, listMessages } from "../helpers/messaging";
import { VENDOR_CREDENTIALS } from "../helpers/vendors";
import { emitEvent } from "../../src/customer-webhooks/emit";
import { customerEndpoints } from "../fakes/customer-endpoints";
import { deliveriesOf, quiesceEndpoints, registerEndpoint } from "../helpers/webhooks";
import { senderStub } from "../helpers/objects";
import { serveForFile } from "../network";

const customers = customerEndpoints();
serveForFile(...customers.handlers);
afterAll(() => quiesceEndpoints());

/*
 * Audit that cannot be skipped: every change is written in the same D1 batch as its audit row.
 * The fault is injected in the database: a trigger makes the audit insert fail (for one tenant, or
 * for one action), and each change must then not have happened at all; without the fault it
 * happens with exactly one row.
 */

let triggers = 0;

/** Runs `fn` while every audit insert matching `when` (SQL over NEW) fails, as a full disk or a bug would. */
async function auditFailing<T>(when: string, fn: () => Promise<T>): Promise<T> {
  const name = `fail_audit_${++triggers}`;
  await env.DB.prepare(`CREATE TRIGGER ${name} BEFORE INSERT ON audit_events WHEN ${when} BEGIN SELECT RAISE(ABORT, 'injected audit failure'); END`).run();
  try {
    return await fn();
  } finally {
    await env.DB.prepare(`DROP TRIGGER ${name}`).run();
  }
}
const forTenant = (tenantId: string) => `NEW.tenant_id = '${tenantId}'`;

async function auditRows(tenantId: string, action: string) {
  const rows = await env.DB.prepare("SELECT object_id, actor_type, actor_id, request_id, detail FROM audit_events WHERE tenant_id = ? AND action = ?").bind(tenantId, action).all();
  return rows.results as { object_id: string; actor_type: string; actor_id: string | null; request_id: string | null; detail: string | null }[];
}

async function count(sql: string, ...binds: unknown[]) {
  return (await env.DB.prepare(sql).bind(...binds).first<{ n: number }>())!.n;
}

/** The request fails (500 in the surface's shape) and nothing of it is written; then it succeeds with one audit row. */
async function expectAtomic(
  tenantId: string,
  action: string,
  request: () => Promise<{ status: number; body: any }>,
  state: () => Promise<unknown>,
  okStatus = 200,
) {
  const before = await state();
  const failed = await auditFailing(forTenant(tenantId), request);
  expect(failed.status, action).toBe(500);
  expect(await state(), `${action}: nothing changed`).toEqual(before);
  expect(await auditRows(tenantId, action)).toEqual([]);

  const ok = await request();
  expect(ok.status, action).toBe(okStatus);
  expect(await state(), `${action}: changed`).not.toEqual(before);
  const rows = await auditRows(tenantId, action);
  expect(rows, action).toHaveLength(1);
  return { ok, row: rows[0]! };
}

describe("audit rows are written with the change, or neither is", () => {
  it("patients: create, update, delete", async () => {
    const t = await createTenant();
    const key = t.apiKey;
    const patients = () => count("SELECT count(*) AS n FROM patients WHERE tenant_id = ?", t.id);
    const { ok } = await expectAtomic(t.id, "patient.created", () => call("/api/v1/patients", { method: "POST", key, json: { firstName: "Ada", lastName: "L" } }), patients, 201);
    const id = ok.body.patient_id;
    const lastName = () => env.DB.prepare("SELECT last_name FROM patients WHERE id = ?").bind(id).first("last_name");
    const { row } = await expectAtomic(t.id, "patient.updated", () => call(`/api/v1/patients/${id}`, { method: "PATCH", key, json: { lastName: "Lovelace" } }), lastName);
    expect(row).toMatchObject({ object_id: id, actor_type: "api_key", actor_id: t.apiKeyId, request_id: expect.stringMatching(/^req_/), detail: '{"fields":["lastName"]}' });
    await expectAtomic(t.id, "patient.deleted", () => call(`/api/v1/patients/${id}`, { method: "DELETE", key }), patients);
  });

  it("agents and staff users: create, update, delete", async () => {
    const t = await createTenant();
    const key = t.apiKey;
    const agents = () => count("SELECT count(*) AS n FROM agents WHERE tenant_id = ?", t.id);
    const { ok: agent } = await expectAtomic(t.id, "agent.created", () => call("/api/v1/agents", { method: "POST", key, json: { name: "A", provider: "simulator" } }), agents, 201);
    const agentName = () => env.DB.prepare("SELECT name FROM agents WHERE id = ?").bind(agent.body.id).first("name");
    await expectAtomic(t.id, "agent.updated", () => call(`/api/v1/agents/${agent.body.id}`, { method: "PATCH", key, json: { name: "B" } }), agentName);
    await expectAtomic(t.id, "agent.deleted", () => call(`/api/v1/agents/${agent.body.id}`, { method: "DELETE", key }), agents);

    const users = () => count("SELECT count(*) AS n FROM staff_users WHERE tenant_id = ? AND deleted_at IS NULL", t.id);
    const { ok: user } = await expectAtomic(t.id, "user.created", () => call("/api/v1/users", { method: "POST", key, json: { firstName: "D", lastName: "R" } }), users, 201);
    const userName = () => env.DB.prepare("SELECT last_name FROM staff_users WHERE id = ?").bind(user.body.id).first("last_name");
    await expectAtomic(t.id, "user.updated", () => call(`/api/v1/users/${user.body.id}`, { method: "PATCH", key, json: { lastName: "S" } }), userName);
    await expectAtomic(t.id, "user.deleted", () => call(`/api/v1/users/${user.body.id}`, { method: "DELETE", key }), users);
  });

  it("provider credentials and messaging settings", async () => {
    const t = await createTenant();
    const key = t.apiKey;
    const stored = () => env.DB.prepare("SELECT api_key_hint AS hint FROM provider_credentials WHERE tenant_id = ? AND provider = 'retell'").bind(t.id).first("hint");
    await expectAtomic(t.id, "provider_credentials.updated", () => call("/api/v1/providers/retell", { method: "PUT", key, json: VENDOR_CREDENTIALS.retell }), stored);
    await expectAtomic(t.id, "provider_credentials.deleted", () => call("/api/v1/providers/retell", { method: "DELETE", key }), stored);

    const settings = () => env.DB.prepare("SELECT simulator FROM messaging_settings WHERE tenant_id = ?").bind(t.id).first("simulator");
    await expectAtomic(
      t.id,
      "messaging_settings.updated",
      () => call("/api/v1/messaging/settings", { method: "PUT", key, json: { provider: "simulator", simulator: { outcome: "failed", stepMs: 50 } } }),
      settings,
    );
  });

  it("webhook endpoints: create, update, disable, rotate, delete, replay", async () => {
    const t = await createTenant();
    const key = t.apiKey;
    const endpoints = () => count("SELECT count(*) AS n FROM webhook_endpoints WHERE tenant_id = ? AND deleted_at IS NULL", t.id);
    const { ok } = await expectAtomic(
      t.id,
      "webhook_endpoint.created",
      () => call("/api/v1/webhook-endpoints", { method: "POST", key, json: { url: customers.endpoint().url } }),
      endpoints,
      201,
    );
    const id = ok.body.id;
    const endpoint = () => env.DB.prepare("SELECT description, enabled, secret_sealed, deleted_at FROM webhook_endpoints WHERE id = ?").bind(id).first();
    await expectAtomic(t.id, "webhook_endpoint.updated", () => call(`/api/v1/webhook-endpoints/${id}`, { method: "PATCH", key, json: { description: "EHR" } }), endpoint);

    // Disabling is the endpoint's update and the failing of its pending deliveries: all or nothing.
    const now = Date.now();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO webhook_events (id, tenant_id, type, payload, created_at) VALUES ('evt_atomic', ?, 'call.created', '{}', ?)").bind(t.id, now),
      env.DB.prepare(
        "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, status, next_attempt_at, created_at, updated_at) VALUES ('dlv_atomic', ?, ?, 'evt_atomic', 'call.created', 'pending', ?, ?, ?)",
      ).bind(t.id, id, now + 3_600_000, now, now),
    ]);
    const delivery = () => env.DB.prepare("SELECT status, retry_step, next_attempt_at FROM webhook_deliveries WHERE id = 'dlv_atomic'").first();
    const both = async () => [await endpoint(), await delivery()];
    await auditFailing(forTenant(t.id), async () => {
      const before = await both();
      expect((await call(`/api/v1/webhook-endpoints/${id}`, { method: "PATCH", key, json: { enabled: false } })).status).toBe(500);
      expect(await both()).toEqual(before);
    });
    expect((await call(`/api/v1/webhook-endpoints/${id}`, { method: "PATCH", key, json: { enabled: false } })).status).toBe(200);
    expect(await delivery()).toMatchObject({ status: "failed" });
    expect((await call(`/api/v1/webhook-endpoints/${id}`, { method: "PATCH", key, json: { enabled: true } })).status).toBe(200);
    expect(await auditRows(t.id, "webhook_endpoint.updated")).toHaveLength(3);

    await expectAtomic(t.id, "webhook_delivery.replayed", () => call(`/api/v1/webhook-endpoints/${id}/deliveries/dlv_atomic/replay`, { method: "POST", key }), delivery, 202);
    await expectAtomic(t.id, "webhook_endpoint.secret_rotated", () => call(`/api/v1/webhook-endpoints/${id}/rotate-secret`, { method: "POST", key }), endpoint);
    await expectAtomic(t.id, "webhook_endpoint.deleted", () => call(`/api/v1/webhook-endpoints/${id}`, { method: "DELETE", key }), endpoint);
  });

  it("an endpoint the system disables (410 Gone)", async () => {
    const { tenant, key } = await setup();
    const target = customers.endpoint(() => new Response(null, { status: 500 }));
    const endpoint = await registerEndpoint(key, { url: target.url });
    await emitEvent(env, tenant.id, "message.received", { message_id: "m-1" });
    await poll(() => deliveriesOf(endpoint.id), (rows) => rows[0]?.attempts === 1);
    customers.respond(target.name, () => new Response(null, { status: 410 }));
    const enabled = () => env.DB.prepare("SELECT enabled FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first("enabled");

    // The sender's own retry alarm must not run into the fault too: the attempt is made here, inside the object.
    await runInDurableObject(senderStub(endpoint.id), (_instance, state) => state.storage.deleteAlarm());
    await auditFailing(forTenant(tenant.id), async () => {
      const attempt = runInDurableObject(senderStub(endpoint.id), (instance: WebhookSender) => instance.deliverDue(Date.now() + 5_000));
      await expect(attempt).rejects.toThrow(/injected audit failure/);
    });
    expect(await enabled()).toBe(1);
    expect(await auditRows(tenant.id, "webhook_endpoint.disabled")).toEqual([]);

    // The next 410 disables it, recorded as done by the system.
    await emitEvent(env, tenant.id, "message.received", { message_id: "m-2" });
    expect(await poll(enabled, (v) => v === 0)).toBe(0);
    expect(await auditRows(tenant.id, "webhook_endpoint.disabled")).toEqual([
      { object_id: endpoint.id, actor_type: "system", actor_id: null, request_id: null, detail: '{"reason":"gone"}' },
    ]);
  });

  it("canceling a campaign", async () => {
    const { tenant, key, agent } = await setup();
    const patients = [await createPatient(key), await createPatient(key)];
    const scheduledAt = new Date(Date.now() + 3_600_000).toISOString();
    const batch = await call("/api/v1/calls", { method: "POST", key, json: { patients: patients.map((p) => ({ patientId: p.patient_id })), agentId: agent.id, scheduledAt } });
    expect(batch.status).toBe(201);
    const state = async () => [
      await env.DB.prepare("SELECT status FROM campaigns WHERE id = ?").bind(batch.body.batchId).first("status"),
      (await env.DB.prepare("SELECT status FROM calls WHERE campaign_id = ? ORDER BY id").bind(batch.body.batchId).all()).results,
    ];
    await expectAtomic(tenant.id, "campaign.canceled", () => call(`/api/v1/calls/campaigns/${batch.body.batchId}/cancel`, { method: "POST", key }), state);
  });

  it("a message sent through /comms", async () => {
    const t = await commsSetup();
    const stored = async () => (await listMessages(t.key, t.chat.id)).data.length;
    const { row } = await expectAtomic(t.tenantId, "message.sent", () => sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Your visit is at 10" }), stored);
    expect(JSON.parse(row.detail!)).toEqual({ chatId: t.chat.id, senderId: t.user.id, status: "CREATED" });
  });

  it("the operator's tenants and keys", async () => {
    const tenants = () => count("SELECT count(*) AS n FROM tenants");
    const keys = () => count("SELECT count(*) AS n FROM api_keys");
    // The tenant does not exist yet: fail by action.
    const before = [await tenants(), await keys()];
    const failed = await auditFailing("NEW.action = 'tenant.created'", () => call("/admin/tenants", { method: "POST", headers: ADMIN, json: { name: "Atomic" } }));
    expect(failed.status).toBe(500);
    expect([await tenants(), await keys()]).toEqual(before);

    const t = await createTenant("Atomic");
    expect((await auditRows(t.id, "tenant.created")).map((r) => r.actor_type)).toEqual(["admin"]);
    expect((await auditRows(t.id, "api_key.issued")).map((r) => r.object_id)).toEqual([t.apiKeyId]);

    const limit = () => env.DB.prepare("SELECT concurrency_limit FROM tenants WHERE id = ?").bind(t.id).first("concurrency_limit");
    await expectAtomic(t.id, "tenant.updated", () => call(`/admin/tenants/${t.id}`, { method: "PATCH", headers: ADMIN, json: { concurrencyLimit: 4 } }), limit);
    const tenantKeys = () => count("SELECT count(*) AS n FROM api_keys WHERE tenant_id = ?", t.id);
    const issued = await auditFailing(forTenant(t.id), () => call(`/admin/tenants/${t.id}/keys`, { method: "POST", headers: ADMIN }));
    expect(issued.status).toBe(500);
    expect(await tenantKeys()).toBe(1);
    const key = await call(`/admin/tenants/${t.id}/keys`, { method: "POST", headers: ADMIN });
    expect(key.status).toBe(201);
    const revokedAt = () => env.DB.prepare("SELECT revoked_at FROM api_keys WHERE id = ?").bind(key.body.id).first("revoked_at");
    await expectAtomic(t.id, "api_key.revoked", () => call(`/admin/tenants/${t.id}/keys/${key.body.id}`, { method: "DELETE", headers: ADMIN }), revokedAt);
  });

  it("records nothing for a change that did not happen", async () => {
    const { tenant, key, patient } = await setup();
    const agent = await createAgent(key);
    const unknown = "00000000-0000-4000-8000-00000000dead";
    for (const [method, path, json] of [
      ["PATCH", `/api/v1/patients/${unknown}`, { lastName: "X" }],
      ["DELETE", `/api/v1/patients/${unknown}`, undefined],
      ["PATCH", `/api/v1/agents/${unknown}`, { name: "X" }],
      ["DELETE", `/api/v1/users/${unknown}`, undefined],
      ["DELETE", "/api/v1/providers/retell", undefined],
      ["POST", `/api/v1/calls/campaigns/${unknown}/cancel`, undefined],
    ] as const) {
      expect((await call(path, { method, key, json })).status, `${method} ${path}`).toBe(404);
    }
    // A second revoke of the same key changes nothing and records nothing.
    const extra = await call(`/admin/tenants/${tenant.id}/keys`, { method: "POST", headers: ADMIN });
    await call(`/admin/tenants/${tenant.id}/keys/${extra.body.id}`, { method: "DELETE", headers: ADMIN });
    await call(`/admin/tenants/${tenant.id}/keys/${extra.body.id}`, { method: "DELETE", headers: ADMIN });
    const actions = (await env.DB.prepare("SELECT action FROM audit_events WHERE tenant_id = ? ORDER BY id").bind(tenant.id).all()).results.map((r: any) => r.action);
    expect(actions).toEqual(["tenant.created", "api_key.issued", "patient.created", "agent.created", "agent.created", "api_key.issued", "api_key.revoked"]);
    expect(patient).toBeDefined();
    expect(agent).toBeDefined();
  });
});
