import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, call, expectEnvelope, json } from "../helpers/http";
import { createTenant, setup } from "../helpers/tenants";
import { listCalls } from "../helpers/calls";

const withKey = (key: string, idempotencyKey: string) => ({ "Idempotency-Key": idempotencyKey, "X-API-Key": key });

async function post(path: string, key: string, idempotencyKey: string | undefined, body: unknown) {
  const res = await api(path, {
    method: "POST",
    headers: idempotencyKey === undefined ? { "X-API-Key": key } : withKey(key, idempotencyKey),
    json: body,
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text), headers: res.headers };
}

describe("Idempotency-Key", () => {
  it("replays the first response to a retry and places the call only once", async () => {
    const { key, patient, agent } = await setup();
    const body = { patients: [{ patientId: patient.patient_id }], agentId: agent.id };
    const first = await post("/api/v1/calls", key, "retry-1", body);
    expect(first.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();

    const again = await post("/api/v1/calls", key, "retry-1", body);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.headers.get("content-type")).toMatch(/application\/json/);
    expect(again.headers.get("X-Request-Id")).not.toBe(first.headers.get("X-Request-Id"));
    expect((await listCalls(key)).data.map((c: any) => c.id)).toEqual([first.body.calls[0].callId]);
  });

  it("treats the same JSON with keys in another order as the same request", async () => {
    const { apiKey: key } = await createTenant();
    const first = await post("/api/v1/patients", key, "same-json", { firstName: "Ada", lastName: "Lovelace", phoneNumber: "+15555550101" });
    const reordered = await post("/api/v1/patients", key, "same-json", { phoneNumber: "+15555550101", lastName: "Lovelace", firstName: "Ada" });
    expect(reordered.status).toBe(201);
    expect(reordered.body.patient_id).toBe(first.body.patient_id);
    expect((await json(await api("/api/v1/patients", { key }))).data).toHaveLength(1);
  });

  it("10 parallel POSTs with one key place one call; the rest replay it or get 409", async () => {
    const { key, patient, agent } = await setup();
    const body = { patients: [{ patientId: patient.patient_id }], agentId: agent.id };
    const results = await Promise.all(Array.from({ length: 10 }, () => post("/api/v1/calls", key, "storm", body)));
    const created = results.filter((r) => r.status === 201);
    const busy = results.filter((r) => r.status === 409);
    expect(created.length + busy.length).toBe(10);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.text)).size).toBe(1);
    for (const r of busy) {
      expectEnvelope(r.body, 409, "/api/v1/calls", "POST", /still being processed/);
      expect(r.headers.get("Retry-After")).toBe("1");
    }
    const calls = await listCalls(key);
    expect(calls.data).toHaveLength(1);
    expect(calls.data[0].id).toBe(created[0]!.body.calls[0].callId);
    // Once it has finished, every retry gets the stored response.
    const later = await post("/api/v1/calls", key, "storm", body);
    expect(later.status).toBe(201);
    expect(later.text).toBe(created[0]!.text);
  });

  it("answers 422 to the same key with a different body, path or method, and runs nothing", async () => {
    const { key, patient, agent } = await setup();
    const body = { patients: [{ patientId: patient.patient_id }], agentId: agent.id };
    expect((await post("/api/v1/calls", key, "k-422", body)).status).toBe(201);
    const changed = await post("/api/v1/calls", key, "k-422", { ...body, reason: "billing" });
    expect(changed.status).toBe(422);
    expectEnvelope(changed.body, 422, "/api/v1/calls", "POST", /different request/);
    const otherPath = await post("/api/v1/agents", key, "k-422", body);
    expect(otherPath.status).toBe(422);
    expect((await listCalls(key)).data).toHaveLength(1);
  });

  it("answers 409 while the first request with the key is still running", async () => {
    const { key, tenant, patient, agent } = await setup();
    const body = { patients: [{ patientId: patient.patient_id }], agentId: agent.id };
    // A first request that is mid-flight: its claim is held, its response not yet stored.
    const { requestFingerprint } = await import("../../src/idempotency/fingerprint");
    const { claimKey } = await import("../../src/idempotency/store");
    const fingerprint = await requestFingerprint("POST", "https://switchboard.test/api/v1/calls", JSON.stringify(body));
    const claim = await claimKey(env.DB, env.SECRETS_KEY!, tenant.id, "in-flight", fingerprint, Date.now());
    expect(claim.kind).toBe("claimed");

    const res = await post("/api/v1/calls", key, "in-flight", body);
    expect(res.status).toBe(409);
    expect((await listCalls(key)).data).toHaveLength(0);
    // A different body still says 422, not 409.
    expect((await post("/api/v1/calls", key, "in-flight", { ...body, reason: "x" })).status).toBe(422);
  });

  it("takes over a claim abandoned by a request that died (its lease ran out)", async () => {
    const { key, tenant, patient, agent } = await setup();
    const body = { patients: [{ patientId: patient.patient_id }], agentId: agent.id };
    const { requestFingerprint } = await import("../../src/idempotency/fingerprint");
    const { claimKey, RUNNING_LEASE_MS } = await import("../../src/idempotency/store");
    const fingerprint = await requestFingerprint("POST", "https://switchboard.test/api/v1/calls", JSON.stringify(body));
    await claimKey(env.DB, env.SECRETS_KEY!, tenant.id, "abandoned", fingerprint, Date.now() - RUNNING_LEASE_MS - 1);
    const res = await post("/api/v1/calls", key, "abandoned", body);
    expect(res.status).toBe(201);
  });

  it("scopes keys per tenant", async () => {
    const a = await setup();
    const b = await setup();
    const ra = await post("/api/v1/calls", a.key, "shared-key", { patients: [{ patientId: a.patient.patient_id }], agentId: a.agent.id });
    const rb = await post("/api/v1/calls", b.key, "shared-key", { patients: [{ patientId: b.patient.patient_id }], agentId: b.agent.id });
    expect([ra.status, rb.status]).toEqual([201, 201]);
    expect(rb.headers.get("Idempotent-Replayed")).toBeNull();
    expect(rb.body.batchId).not.toBe(ra.body.batchId);
  });

  it("replays 4xx answers too (nothing ran), but not with another key", async () => {
    const { apiKey: key } = await createTenant();
    const bad = { patients: [{ patientId: "22222222-2222-2222-2222-222222222222" }], agentId: "22222222-2222-2222-2222-222222222222" };
    const first = await post("/api/v1/calls", key, "bad-1", bad);
    expect(first.status).toBe(404);
    const again = await post("/api/v1/calls", key, "bad-1", bad);
    expect(again.status).toBe(404);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
  });

  it("works on other POSTs and leaves requests without the header alone", async () => {
    const { apiKey: key } = await createTenant();
    const body = { name: "Reminder", provider: "simulator" };
    const a = await post("/api/v1/agents", key, "agent-1", body);
    const b = await post("/api/v1/agents", key, "agent-1", body);
    expect(b.body.id).toBe(a.body.id);
    const c = await post("/api/v1/agents", key, undefined, body);
    const d = await post("/api/v1/agents", key, undefined, body);
    expect(new Set([a.body.id, c.body.id, d.body.id]).size).toBe(3);
    // GET, PATCH and DELETE ignore the header.
    const patched = await api(`/api/v1/agents/${a.body.id}`, { method: "PATCH", headers: withKey(key, "agent-1"), json: { name: "Renamed" } });
    expect(patched.status).toBe(200);
  });

  it("keeps shown-once secrets sealed in the stored response", async () => {
    const { apiKey: key, id: tenantId } = await createTenant();
    const res = await post("/api/v1/webhook-endpoints", key, "wh-1", { url: "http://localhost:9/hooks" });
    expect(res.status).toBe(201);
    const again = await post("/api/v1/webhook-endpoints", key, "wh-1", { url: "http://localhost:9/hooks" });
    expect(again.body.secret).toBe(res.body.secret);
    const row = await env.DB.prepare(`SELECT response_body FROM idempotency_keys WHERE tenant_id = ? AND idempotency_key = 'wh-1'`).bind(tenantId).first<{ response_body: string }>();
    expect(row!.response_body).toMatch(/^v1\./);
    expect(row!.response_body).not.toContain(res.body.secret.slice(6));
    expect(row!.response_body).not.toContain("localhost");
  });

  it("replays a large response (stored compressed)", async () => {
    const { key, tenant, agent } = await setup();
    // 300 patients straight into D1: the API would take a request each.
    const now = Date.now();
    const ids = Array.from({ length: 300 }, () => crypto.randomUUID());
    await env.DB.batch(
      ids.map((id, i) =>
        env.DB.prepare(`INSERT INTO patients (id, tenant_id, first_name, last_name, phone_number, created_at, updated_at) VALUES (?, ?, 'P', ?, ?, ?, ?)`)
          .bind(id, tenant.id, String(i), `+1555777${String(i).padStart(4, "0")}`, now, now),
      ),
    );
    const patients = ids.map((patientId) => ({ patientId, extended: { note: "x".repeat(200) } }));
    const body = { patients, agentId: agent.id, scheduledAt: new Date(Date.now() + 3_600_000).toISOString() };
    const first = await post("/api/v1/calls", key, "big", body);
    expect(first.status).toBe(201);
    expect(first.text.length).toBeGreaterThan(32 * 1024);
    const row = await env.DB.prepare(`SELECT response_encoding FROM idempotency_keys WHERE tenant_id = ? AND idempotency_key = 'big'`).bind(tenant.id).first();
    expect(row).toEqual({ response_encoding: "sealed-gzip" });
    const again = await post("/api/v1/calls", key, "big", body);
    expect(again.text).toBe(first.text);
    expect((await listCalls(key, "?size=500")).data).toHaveLength(300);
  });

  it("refuses malformed keys with 400", async () => {
    const { apiKey: key } = await createTenant();
    for (const bad of ["", "x".repeat(256), "has space", "tab\tkey"]) {
      const res = await call("/api/v1/agents", { method: "POST", headers: { "Idempotency-Key": bad }, key, json: { name: "A", provider: "simulator" } });
      // An empty header is dropped by some stacks; every other form must be a 400.
      if (bad === "" && res.status === 201) continue;
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
  });

  it("is documented on every POST in /openapi.json", async () => {
    const doc = await json(await api("/openapi.json"));
    const posts = Object.entries(doc.paths as Record<string, any>).filter(([path, ops]) => path.startsWith("/api/v1/") && ops.post);
    expect(posts.map(([path]) => path)).toEqual(expect.arrayContaining(["/api/v1/calls", "/api/v1/patients", "/api/v1/webhook-endpoints"]));
    for (const [path, ops] of posts) {
      expect(ops.post.parameters.map((p: any) => `${p.in}:${p.name}`), path).toContain("header:Idempotency-Key");
      expect(Object.keys(ops.post.responses), path).toEqual(expect.arrayContaining(["409", "422"]));
    }
    const getCalls = doc.paths["/api/v1/calls"].get;
    expect((getCalls.parameters ?? []).map((p: any) => p.name)).not.toContain("Idempotency-Key");
    expect(doc.paths["/api/v1/audit-events"].get).toBeDefined();
    expect(doc.paths["/api/v1/webhook-endpoints/{endpointId}/deliveries"].get).toBeDefined();
    expect(Object.keys(doc.webhooks)).toEqual(expect.arrayContaining(["call.created", "call.completed", "patient.opted_out"]));
  });
});
