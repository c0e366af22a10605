import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, it } from "vitest";
import { WEBHOOK_EVENT_DATA } from "@switchboard/schemas";
import { emitEvent } from "../../src/customer-webhooks/emit";
import { api, call, json } from "../helpers/http";
import { createTenant, setup } from "../helpers/tenants";
import { placeCall } from "../helpers/calls";
import { deliveriesOf, deliverNow, quiesceEndpoints, registerEndpoint } from "../helpers/webhooks";
import { customerEndpoints } from "../fakes/customer-endpoints";
import { serveForFile } from "../network";
import { playCall } from "../helpers/objects";

const customers = customerEndpoints();
serveForFile(...customers.handlers);
afterAll(async () => {
  await quiesceEndpoints();
});

describe("webhook endpoints", () => {
  it("registers an endpoint and shows its whsec_ secret only once", async () => {
    const { apiKey: key } = await createTenant();
    const target = customers.endpoint();
    const res = await call("/api/v1/webhook-endpoints", { method: "POST", key, json: { url: target.url, events: ["call.completed"], description: "EHR" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ url: target.url, events: ["call.completed"], description: "EHR", enabled: true, disabled_reason: null });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const fetched = await call(`/api/v1/webhook-endpoints/${res.body.id}`, { key });
    expect(fetched.status).toBe(200);
    expect(fetched.body).not.toHaveProperty("secret");
    expect(JSON.stringify(fetched.body)).not.toContain(res.body.secret.slice(6));
    const listed = await call("/api/v1/webhook-endpoints", { key });
    expect(listed.body.data.map((e: any) => e.id)).toEqual([res.body.id]);
    expect(listed.body.data[0]).not.toHaveProperty("secret");
    // Stored sealed, never in the clear.
    const row = await env.DB.prepare(`SELECT secret_sealed FROM webhook_endpoints WHERE id = ?`).bind(res.body.id).first<{ secret_sealed: string }>();
    expect(row!.secret_sealed).toMatch(/^v1\./);
    expect(row!.secret_sealed).not.toContain(res.body.secret.slice(6));
  });

  it("rejects bad input with a 400 envelope", async () => {
    const { apiKey: key } = await createTenant();
    const cases = [
      {},
      { url: "not a url" },
      { url: "ftp://hooks.test/x" },
      { url: "https://hooks.test/x", events: [] },
      { url: "https://hooks.test/x", events: ["call.exploded"] },
      { url: "https://hooks.test/x", events: ["call.created", "call.created"] },
      { url: "https://user:pass@hooks.test/x" },
    ];
    for (const body of cases) {
      const res = await call("/api/v1/webhook-endpoints", { method: "POST", key, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.success).toBe(false);
    }
  });

  it("updates, disables, enables and deletes; another tenant sees none of it", async () => {
    const { apiKey: key } = await createTenant();
    const other = await createTenant();
    const endpoint = await registerEndpoint(key, { url: customers.endpoint().url });
    const path = `/api/v1/webhook-endpoints/${endpoint.id}`;

    expect((await call(path, { key: other.apiKey })).status).toBe(404);
    expect((await call(path, { method: "PATCH", key: other.apiKey, json: { enabled: false } })).status).toBe(404);
    expect((await call(path, { method: "DELETE", key: other.apiKey })).status).toBe(404);

    const patched = await call(path, { method: "PATCH", key, json: { events: ["call.failed", "call.completed"], description: "billing" } });
    expect(patched.body).toMatchObject({ events: ["call.failed", "call.completed"], description: "billing", enabled: true });
    const disabled = await call(path, { method: "PATCH", key, json: { enabled: false } });
    expect(disabled.body).toMatchObject({ enabled: false, disabled_reason: "manual", disabled_at: expect.any(String) });
    const enabled = await call(path, { method: "PATCH", key, json: { enabled: true, events: null } });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null, events: null });

    expect((await call(path, { method: "DELETE", key })).body).toEqual({ id: endpoint.id, deleted: true });
    expect((await call(path, { key })).status).toBe(404);
    expect((await call("/api/v1/webhook-endpoints", { key })).body.data).toEqual([]);
  });
});

describe("deliveries", () => {
  it("sends a call's whole life, each event verified by the standardwebhooks package", async () => {
    const { key, tenant, patient, agent } = await setup();
    const target = customers.endpoint();
    const endpoint = await registerEndpoint(key, { url: target.url });
    const callId = await placeCall(key, patient.patient_id, agent.id);
    await playCall(callId, "completed");

    // created, five status changes, completed
    await deliverNow(endpoint.id);
    expect(customers.to(target.name)).toHaveLength(7);
    const verifier = new Webhook(endpoint.secret);
    const events = customers.to(target.name).map((r) => ({ request: r, payload: verifier.verify(r.body, r.headers) as any }));
    for (const { request, payload } of events) {
      expect(request.headers["webhook-id"]).toMatch(/^msg_/);
      expect(request.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(request.headers["content-type"]).toBe("application/json");
      expect(payload).toEqual(JSON.parse(request.body));
      expect(payload.data.call_id).toBe(callId);
      // Exactly what /openapi.json documents under `webhooks`.
      const schema = WEBHOOK_EVENT_DATA[payload.type as "call.created" | "call.status_changed" | "call.completed"];
      expect(schema.strict().parse(payload.data)).toEqual(payload.data);
    }
    // A wrong secret does not verify.
    expect(() => new Webhook(`whsec_${btoa("x".repeat(32))}`).verify(events[0]!.request.body, events[0]!.request.headers)).toThrow();

    const byType = (type: string) => events.filter((e) => e.payload.type === type).map((e) => e.payload);
    expect(byType("call.created")).toEqual([
      expect.objectContaining({ data: { call_id: callId, batch_id: expect.any(String), agent_id: agent.id, patient_id: patient.patient_id, status: "queued", scheduled_at: null } }),
    ]);
    const changes = byType("call.status_changed").map((p) => `${p.data.previous_status}>${p.data.status}`);
    expect(changes.sort()).toEqual(["dialing>in-progress", "in-progress>summarizing", "initiating>dialing", "queued>initiating", "summarizing>completed"].sort());
    const [completed] = byType("call.completed");
    expect(completed.data).toMatchObject({ call_id: callId, status: "completed", outcome: "human", final_report: expect.objectContaining({ patient_confirmed: true }) });
    expect(byType("call.failed")).toEqual([]);
    // One webhook-id per event, and no event twice.
    const ids = events.map((e) => e.request.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(ids.length);

    // Nothing reached another tenant's endpoint.
    const other = await createTenant();
    expect((await call(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries`, { key: other.apiKey })).status).toBe(404);
    expect(tenant.id).not.toBe(other.id);
  });

  it("sends only the subscribed types, and call.failed when a call is hung up", async () => {
    const { key, patient, agent } = await setup();
    const target = customers.endpoint();
    const endpoint = await registerEndpoint(key, { url: target.url, events: ["call.failed"] });
    const callId = await placeCall(key, patient.patient_id, agent.id);
    expect((await call(`/api/v1/calls/${callId}`, { method: "DELETE", key })).status).toBe(200);
    await deliverNow(endpoint.id);
    const delivered = customers.to(target.name);
    expect(delivered).toHaveLength(1);
    const payload = new Webhook(endpoint.secret).verify(delivered[0]!.body, delivered[0]!.headers) as any;
    expect(payload).toMatchObject({ type: "call.failed", data: { call_id: callId, status: "failed", outcome: "hung_up_by_api" } });
    const rows = await deliveriesOf(endpoint.id);
    expect(rows.map((r) => r.event_type)).toEqual(["call.failed"]);
  });

  it("lists deliveries with their attempts and the payload sent", async () => {
    const { key, tenant } = await setup();
    const target = customers.endpoint();
    const endpoint = await registerEndpoint(key, { url: target.url });
    await emitEvent(env, tenant.id, "patient.opted_out", { patient_id: "p-1", source: "sms_keyword" });
    const [row] = await deliverNow(endpoint.id);
    expect(row).toMatchObject({ status: "succeeded" });

    const list = await call(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries`, { key });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      expect.objectContaining({ id: row!.id, event_id: row!.event_id, event_type: "patient.opted_out", status: "succeeded", attempts: 1, last_status_code: 204, next_attempt_at: null }),
    ]);
    expect((await call(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries?status=failed`, { key })).body.data).toEqual([]);
    expect((await call(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries?status=bogus`, { key })).status).toBe(400);

    const detail = await call(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries/${row!.id}`, { key });
    expect(detail.body.payload).toMatchObject({ type: "patient.opted_out", data: { patient_id: "p-1", source: "sms_keyword" } });
    expect(detail.body.attempt_log).toEqual([{ attempt: 1, at: expect.any(String), status_code: 204, duration_ms: expect.any(Number), error: null }]);
    expect((await call(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries/nope`, { key })).status).toBe(404);
  });

  it("emits an event once per key, however often it is emitted", async () => {
    const { tenant, key } = await setup();
    const target = customers.endpoint();
    const endpoint = await registerEndpoint(key, { url: target.url });
    const first = await emitEvent(env, tenant.id, "campaign.completed", { campaign_id: "c-1" }, { key: "campaign:c-1:completed" });
    const again = await emitEvent(env, tenant.id, "campaign.completed", { campaign_id: "c-1" }, { key: "campaign:c-1:completed" });
    expect(again).toBe(first);
    const rows = await deliverNow(endpoint.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "succeeded" });
    expect(customers.to(target.name)).toHaveLength(1);
  });

  it("signs with both secrets for a day after a rotation", async () => {
    const { tenant, key } = await setup();
    const target = customers.endpoint();
    const endpoint = await registerEndpoint(key, { url: target.url });
    const rotated = await call(`/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { method: "POST", key });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const grace = Date.parse(rotated.body.previous_secret_expires_at) - Date.now();
    expect(grace).toBeGreaterThan(23.9 * 3600_000);
    expect(grace).toBeLessThanOrEqual(24 * 3600_000);

    await emitEvent(env, tenant.id, "message.received", { message_id: "m-1" });
    await deliverNow(endpoint.id);
    const [request] = customers.to(target.name);
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(endpoint.secret).verify(request!.body, request!.headers)).toMatchObject({ type: "message.received" });
    expect(new Webhook(rotated.body.secret).verify(request!.body, request!.headers)).toMatchObject({ type: "message.received" });
  });

  it("sends nothing to a disabled endpoint", async () => {
    const { tenant, key } = await setup();
    const target = customers.endpoint();
    const endpoint = await registerEndpoint(key, { url: target.url });
    await api(`/api/v1/webhook-endpoints/${endpoint.id}`, { method: "PATCH", key, json: { enabled: false } });
    expect(await emitEvent(env, tenant.id, "message.received", { message_id: "m-2" })).toBeNull();
    expect(await deliveriesOf(endpoint.id)).toEqual([]);
    const list = await json(await api(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries`, { key }));
    expect(list.data).toEqual([]);
  });

  it("queues call.created for every call of a large batch, in a handful of statements", async () => {
    const { key, tenant, agent } = await setup();
    const endpoint = await registerEndpoint(key, { url: customers.endpoint().url, events: ["call.created"] });
    const now = Date.now();
    const ids = Array.from({ length: 250 }, () => crypto.randomUUID());
    await env.DB.batch(
      ids.map((id, i) =>
        env.DB.prepare(`INSERT INTO patients (id, tenant_id, first_name, last_name, phone_number, created_at, updated_at) VALUES (?, ?, 'P', ?, ?, ?, ?)`)
          .bind(id, tenant.id, String(i), `+1555888${String(i).padStart(4, "0")}`, now, now),
      ),
    );
    const scheduledAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await api("/api/v1/calls", { method: "POST", key, json: { patients: ids.map((patientId) => ({ patientId })), agentId: agent.id, scheduledAt } });
    expect(res.status).toBe(201);
    const callIds: string[] = (await json(res)).calls.map((c: any) => c.callId);
    const rows = await deliverNow(endpoint.id);
    expect(rows).toHaveLength(250);
    expect(rows.every((d) => d.status === "succeeded")).toBe(true);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(250);
    const delivered = customers.received.filter((r) => r.headers["webhook-id"] && rows.some((d) => d.event_id === r.headers["webhook-id"]));
    const payloads = delivered.map((r) => new Webhook(endpoint.secret).verify(r.body, r.headers) as any);
    expect(payloads.map((p) => p.data.call_id).sort()).toEqual([...callIds].sort());
    expect(payloads.every((p) => p.data.status === "scheduled" && p.data.scheduled_at === scheduledAt)).toBe(true);
  });
});
