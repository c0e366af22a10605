import { describe, expect, it } from "vitest";
import { giveBack, take } from "../../src/objects/limiter/bucket";
import { DEFAULT_LIMITS, limitsOf, takeRequest } from "../../src/tenants/limits";
import { ADMIN, api, call, expectEnvelope } from "../helpers/http";
import { createAgent, createTenant } from "../helpers/tenants";
import { sleep } from "../helpers/wait";
import { comms } from "../helpers/http";
import { createBatch } from "../helpers/calls";
import { insertPatients } from "../helpers/seed";
import { patchTenant } from "../helpers/tenants";
import { vocode, voipbin } from "../helpers/http";

/*
 * Per-tenant limits on a shared platform: requests per second over every surface together, calls
 * created per minute (counted per call), webhook endpoints per tenant. Each refusal is a 429 with
 * Retry-After in the surface's own shape. The bucket arithmetic is exact (tested with an injected
 * clock); over HTTP the clock is real, so assertions allow what the elapsed time could refill.
 */

async function limitedTenant(limits: Record<string, number | null>) {
  const tenant = await createTenant();
  const patched = await patchTenant(tenant.id, { limits });
  return { ...tenant, key: tenant.apiKey, limits: patched.limits };
}

/** Sends `n` requests at once; the statuses, and how long the burst took (for what it could refill). */
async function burst(n: number, send: () => Promise<{ status: number }>) {
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: n }, send));
  return { statuses: results.map((r) => r.status), seconds: (Date.now() - started) / 1000 };
}
const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe("token bucket", () => {
  const spec = { capacity: 3, perSecond: 1 };
  it("spends up to its capacity, then says when the cost will fit", () => {
    let state = null;
    for (let i = 0; i < 3; i++) {
      const r = take(state, spec, 1, 1_000);
      expect(r.ok).toBe(true);
      state = r.state;
    }
    const refused = take(state, spec, 1, 1_000);
    expect(refused).toMatchObject({ ok: false, retryAfterMs: 1_000 });
    // 400 ms later, 0.4 of a token: 600 ms more.
    expect(take(refused.state, spec, 1, 1_400)).toMatchObject({ ok: false, retryAfterMs: 600 });
    expect(take(refused.state, spec, 1, 2_000)).toMatchObject({ ok: true, remaining: 0 });
  });

  it("refills to capacity and no further; a cost above capacity never fits", () => {
    const spent = take(null, spec, 3, 0).state;
    expect(take(spent, spec, 3, 60_000)).toMatchObject({ ok: true, remaining: 0 });
    expect(take(null, spec, 4, 0)).toMatchObject({ ok: false, retryAfterMs: Infinity });
  });

  it("gives tokens back, never beyond capacity; a lowered capacity applies at once", () => {
    const spent = take(null, spec, 3, 0).state;
    expect(giveBack(spent, spec, 2, 0).tokens).toBe(2);
    expect(giveBack(spent, spec, 10, 0).tokens).toBe(3);
    expect(take(null, { capacity: 1, perSecond: 1 }, 1, 0)).toMatchObject({ ok: true });
    expect(take({ tokens: 50, at: 0 }, { capacity: 2, perSecond: 1 }, 3, 0)).toMatchObject({ ok: false, retryAfterMs: Infinity });
  });

  it("calls per minute refill evenly: 60 per minute is one a second", () => {
    const calls = { capacity: 60, perSecond: 1 };
    const empty = take(null, calls, 60, 0).state;
    expect(take(empty, calls, 30, 0)).toMatchObject({ ok: false, retryAfterMs: 30_000 });
    expect(take(empty, calls, 30, 30_000)).toMatchObject({ ok: true });
  });
});

describe("limits in force", () => {
  it("are the operator's setting, else the deployment's default, else the built-in one", () => {
    const none = { requestsPerSecond: null, requestBurst: null, callsPerMinute: null, maxWebhookEndpoints: null };
    expect(DEFAULT_LIMITS).toEqual({ requestsPerSecond: 50, requestBurst: 100, callsPerMinute: 1000, webhookEndpoints: 20 });
    expect(limitsOf(none, {})).toEqual(DEFAULT_LIMITS);
    expect(limitsOf(none, { TENANT_LIMIT_DEFAULTS: '{"callsPerMinute":5000}' })).toEqual({ ...DEFAULT_LIMITS, callsPerMinute: 5000 });
    expect(limitsOf({ ...none, requestsPerSecond: 7, maxWebhookEndpoints: 2 }, { TENANT_LIMIT_DEFAULTS: '{"requestsPerSecond":9}' })).toEqual({
      ...DEFAULT_LIMITS,
      requestsPerSecond: 7,
      webhookEndpoints: 2,
    });
    // A broken deployment setting falls back to the built-in defaults rather than failing requests.
    expect(limitsOf(none, { TENANT_LIMIT_DEFAULTS: "{not json" })).toEqual(DEFAULT_LIMITS);
    expect(limitsOf(none, { TENANT_LIMIT_DEFAULTS: '{"requestBurst":-3,"callsPerMinute":"x"}' })).toEqual(DEFAULT_LIMITS);
  });

  it("are set per tenant by the operator, shown on the tenant, and reset with null", async () => {
    const t = await createTenant();
    const patched = await call(`/admin/tenants/${t.id}`, { method: "PATCH", headers: ADMIN, json: { limits: { requestsPerSecond: 5, callsPerMinute: 200 } } });
    expect(patched.status).toBe(200);
    expect(patched.body.limits).toMatchObject({ requestsPerSecond: 5, callsPerMinute: 200, webhookEndpoints: 20 });
    expect((await call(`/admin/tenants/${t.id}`, { headers: ADMIN })).body.limits).toEqual(patched.body.limits);
    const reset = await call(`/admin/tenants/${t.id}`, { method: "PATCH", headers: ADMIN, json: { limits: { requestsPerSecond: null } } });
    expect(reset.body.limits.requestsPerSecond).not.toBe(5);
    expect(reset.body.limits.callsPerMinute).toBe(200);
    const created = await call("/admin/tenants", { method: "POST", headers: ADMIN, json: { name: "Small", limits: { webhookEndpoints: 1 } } });
    expect(created.body.limits.webhookEndpoints).toBe(1);

    for (const limits of [{ requestsPerSecond: 0 }, { callsPerMinute: -1 }, { requestBurst: 1.5 }, { webhookEndpoints: "many" }, { perHour: 3 }, "fast"]) {
      const bad = await call(`/admin/tenants/${t.id}`, { method: "PATCH", headers: ADMIN, json: { limits } });
      expect(bad.status, JSON.stringify(limits)).toBe(400);
      expectEnvelope(bad.body, 400, `/admin/tenants/${t.id}`, "PATCH");
    }
  });

  it("let requests through when the limiter cannot be reached", async () => {
    const broken = { LIMITERS: { idFromName: () => ({}), get: () => ({ take: () => Promise.reject(new Error("limiter overloaded")) }) } };
    const limits = { ...DEFAULT_LIMITS, requestBurst: 1 };
    expect(await takeRequest(broken as never, "t", limits)).toEqual({ ok: true, remaining: 0 });
  });
});

describe("requests per second", () => {
  it("answers 429 with Retry-After past the burst, in the /api/v1 envelope", async () => {
    const t = await limitedTenant({ requestsPerSecond: 1, requestBurst: 4 });
    const { statuses, seconds } = await burst(10, () => call("/api/v1/patients", { key: t.key }));
    // Four at once, plus what the burst's own duration refilled (one a second).
    expect(count(statuses, 200)).toBeGreaterThanOrEqual(4);
    expect(count(statuses, 200)).toBeLessThanOrEqual(4 + Math.floor(seconds));
    expect(count(statuses, 200) + count(statuses, 429)).toBe(10);

    const refused = await call("/api/v1/patients", { key: t.key });
    expect(refused.status).toBe(429);
    expectEnvelope(refused.body, 429, "/api/v1/patients", "GET", /requests per second/);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("Retry-After"))).toBeLessThanOrEqual(1);

    // Once the bucket has refilled, requests go through again.
    await sleep(1_100);
    expect((await call("/api/v1/patients", { key: t.key })).status).toBe(200);
  });

  it("is one budget over every surface, each answering 429 in its own shape", async () => {
    const t = await limitedTenant({ requestsPerSecond: 1, requestBurst: 3 });
    const started = Date.now();
    const surfaces = {
      api: () => call("/api/v1/agents", { key: t.key }),
      comms: () => comms("/comms/call/00000000-0000-4000-8000-000000000000", { key: t.key, tenant: t.id }),
      vocode: () => vocode("/v1/calls/list", t.key),
      voipbin: () => voipbin("/v1.0/aicalls", t.key),
    };
    // Each surface until it refuses: the refusal's shape, and how many got through in all.
    let through = 0;
    const refusals: Record<string, { status: number; body: any; headers: Headers }> = {};
    for (const [name, send] of Object.entries(surfaces)) {
      for (let i = 0; i < 10 && !refusals[name]; i++) {
        const res = await send();
        if (res.status === 429) refusals[name] = res as never;
        else through++;
      }
    }
    expect(through).toBeGreaterThanOrEqual(3);
    expect(through).toBeLessThanOrEqual(3 + Math.floor((Date.now() - started) / 1000));

    expectEnvelope(refusals.api!.body, 429, "/api/v1/agents", "GET");
    expect(refusals.comms!.body).toEqual({ detail: expect.stringMatching(/^Rate limit exceeded/) });
    expect(refusals.vocode!.body).toEqual({ detail: expect.stringMatching(/^Rate limit exceeded/) });
    expect(refusals.voipbin!.body).toEqual({
      error: { status: "RESOURCE_EXHAUSTED", reason: "RATE_LIMIT_EXCEEDED", message: expect.stringMatching(/^Rate limit exceeded/), request_id: expect.stringMatching(/^req_/) },
    });
    for (const res of Object.values(refusals)) expect(Number(res.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
  });

  it("one tenant saturating its budget does not refuse another tenant", async () => {
    const a = await limitedTenant({ requestsPerSecond: 1, requestBurst: 2 });
    const b = await limitedTenant({ requestsPerSecond: 1, requestBurst: 5 });
    const [flood, other] = await Promise.all([
      burst(30, () => call("/api/v1/patients", { key: a.key })),
      burst(5, () => call("/api/v1/patients", { key: b.key })),
    ]);
    expect(count(flood.statuses, 429)).toBeGreaterThan(0);
    expect(other.statuses).toEqual([200, 200, 200, 200, 200]);
  });

  it("does not store a 429 under an Idempotency-Key: the retry runs", async () => {
    const t = await limitedTenant({ callsPerMinute: 1 });
    const agent = await createAgent(t.key);
    const ids = await insertPatients(t.id, 2);
    const create = (patientId: string, headers: Record<string, string> = {}) =>
      call("/api/v1/calls", { method: "POST", key: t.key, headers, json: { agentId: agent.id, patients: [{ patientId }] } });
    expect((await create(ids[0]!)).status).toBe(201);
    const key = { "Idempotency-Key": crypto.randomUUID() };
    const limited = await create(ids[1]!, key);
    expect(limited.status).toBe(429);
    // The operator raises the limit (a hundred calls a second refill): the same request, same key, now runs.
    await patchTenant(t.id, { limits: { callsPerMinute: 6000 } });
    await sleep(50);
    const retried = await create(ids[1]!, key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("Idempotent-Replayed")).toBeNull();
    // And from then on it replays the 201, as any kept response.
    const replayed = await create(ids[1]!, key);
    expect(replayed.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replayed.body.batchId).toBe(retried.body.batchId);
  });
});

describe("calls created per minute", () => {
  it("counts calls, not requests, on every surface that creates them", async () => {
    const t = await limitedTenant({ callsPerMinute: 5 });
    const agent = await createAgent(t.key);
    const ids = await insertPatients(t.id, 8);
    const batch = (n: number, from = 0) => call("/api/v1/calls", { method: "POST", key: t.key, json: { agentId: agent.id, patients: ids.slice(from, from + n).map((patientId) => ({ patientId })) } });

    expect((await batch(3)).status).toBe(201);
    // Two left (one more every 12 s): a batch of three waits about 12 s.
    const refused = await batch(3, 3);
    expect(refused.status).toBe(429);
    expectEnvelope(refused.body, 429, "/api/v1/calls", "POST", /5 calls per minute \(this request would create 3\)/);
    const retryAfter = Number(refused.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(9);
    expect(retryAfter).toBeLessThanOrEqual(12);
    expect((await batch(2, 3)).status).toBe(201);

    // The other surfaces spend the same budget, one call each, and refuse in their own shape.
    const aicall = await voipbin("/v1.0/aicalls", t.key, { method: "POST", json: { assistance_type: "ai", assistance_id: agent.id, reference_type: "call", reference_id: ids[5] } });
    expect(aicall.status).toBe(429);
    expect(aicall.body.error).toMatchObject({ status: "RESOURCE_EXHAUSTED", reason: "RATE_LIMIT_EXCEEDED" });
    const vocodeCall = await vocode("/v1/calls/create", t.key, { method: "POST", json: { from_number: "+15550001111", to_number: "+15550002222", agent: agent.id } });
    expect(vocodeCall.status).toBe(429);
    expect(vocodeCall.body).toEqual({ detail: expect.stringMatching(/calls per minute/) });
    expect(Number(vocodeCall.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    const commsCall = await comms("/comms/call/ai", { key: t.key, tenant: t.id, json: { assistantType: "BILLER", reasonForCall: "x", patientId: ids[6] } });
    expect(commsCall.status).toBe(429);
    expect(commsCall.body).toEqual({ detail: expect.stringMatching(/calls per minute/) });

    // Nothing was created by the refused requests.
    const listed = await call("/api/v1/calls?size=50", { key: t.key });
    expect(listed.body.pagination.total).toBe(5);
  });

  it("refuses a batch larger than a minute's budget with a 400 that says to split it", async () => {
    const t = await limitedTenant({ callsPerMinute: 3 });
    const agent = await createAgent(t.key);
    const ids = await insertPatients(t.id, 4);
    const res = await call("/api/v1/calls", { method: "POST", key: t.key, json: { agentId: agent.id, patients: ids.map((patientId) => ({ patientId })) } });
    expect(res.status).toBe(400);
    expectEnvelope(res.body, 400, "/api/v1/calls", "POST", /at most 3 calls per minute: split it/);
  });

  it("gives the budget back when the request is refused (nothing was created)", async () => {
    const t = await limitedTenant({ callsPerMinute: 3 });
    const agent = await createAgent(t.key);
    const unknown = Array.from({ length: 3 }, () => ({ patientId: crypto.randomUUID() }));
    const invalid = await call("/api/v1/calls", { method: "POST", key: t.key, json: { agentId: agent.id, patients: unknown } });
    expect(invalid.status).toBe(400);
    const ids = await insertPatients(t.id, 3);
    expect((await call("/api/v1/calls", { method: "POST", key: t.key, json: { agentId: agent.id, patients: ids.map((patientId) => ({ patientId })) } })).status).toBe(201);
  });

  it("one tenant's 1,000-call batches spend its own budget, never another's", async () => {
    const [a, b] = [await limitedTenant({ callsPerMinute: 1000 }), await limitedTenant({ callsPerMinute: 1000 })];
    const [agentA, agentB] = [await createAgent(a.key), await createAgent(b.key)];
    const [idsA, idsB] = [await insertPatients(a.id, 2000), await insertPatients(b.id, 1000)];
    const first = await createBatch(a.key, { agentId: agentA.id, patients: idsA.slice(0, 1000).map((patientId) => ({ patientId })) });
    expect(first.calls).toHaveLength(1000);
    // A has spent its minute: its next thousand waits for it to refill (about a minute).
    const more = await call("/api/v1/calls", { method: "POST", key: a.key, json: { agentId: agentA.id, patients: idsA.slice(1000).map((patientId) => ({ patientId })) } });
    expect(more.status).toBe(429);
    expect(Number(more.headers.get("Retry-After"))).toBeGreaterThan(30);
    // B's batch goes through, and B's calls start on B's own lines while A's thousand wait on A's.
    const other = await createBatch(b.key, { agentId: agentB.id, patients: idsB.map((patientId) => ({ patientId })) });
    expect(other.calls).toHaveLength(1000);
    expect(other.totalInitiated).toBe(10);
  });
});

describe("webhook endpoints per tenant", () => {
  it("answers 429 past the quota, counts disabled endpoints, frees a place on delete", async () => {
    const t = await limitedTenant({ webhookEndpoints: 2 });
    const register = (n: number) => call("/api/v1/webhook-endpoints", { method: "POST", key: t.key, json: { url: `http://localhost:4000/hooks/${n}` } });
    const first = await register(1);
    expect(first.status).toBe(201);
    expect((await register(2)).status).toBe(201);
    await api(`/api/v1/webhook-endpoints/${first.body.id}`, { method: "PATCH", key: t.key, json: { enabled: false } });

    const refused = await register(3);
    expect(refused.status).toBe(429);
    expectEnvelope(refused.body, 429, "/api/v1/webhook-endpoints", "POST", /may have 2 endpoints/);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);

    expect((await api(`/api/v1/webhook-endpoints/${first.body.id}`, { method: "DELETE", key: t.key })).status).toBe(200);
    expect((await register(4)).status).toBe(201);
  });

  it("holds under concurrent registrations: exactly the quota is created", async () => {
    const t = await limitedTenant({ webhookEndpoints: 3 });
    const { statuses } = await burst(8, () => call("/api/v1/webhook-endpoints", { method: "POST", key: t.key, json: { url: "http://localhost:4000/hooks" } }));
    expect(count(statuses, 201)).toBe(3);
    expect(count(statuses, 429)).toBe(5);
    expect((await call("/api/v1/webhook-endpoints", { key: t.key })).body.pagination.total).toBe(3);
    // Another tenant's quota is its own.
    const other = await createTenant();
    expect((await call("/api/v1/webhook-endpoints", { method: "POST", key: other.apiKey, json: { url: "http://localhost:4000/hooks" } })).status).toBe(201);
  });
});

describe("OpenAPI", () => {
  it("documents 429 with Retry-After on every operation of the tenant surfaces, in each surface's shape", async () => {
    const doc = await (await api("/openapi.json")).json<any>();
    const shapes: [string, string][] = [
      ["/api/v1/", "#/components/schemas/Error"],
      ["/comms/", "#/components/schemas/CommsErrorDetail"],
      ["/v1/", "#/components/schemas/VocodeHTTPError"],
      ["/v1.0/", "#/components/schemas/VoipbinErrorResponse"],
    ];
    let checked = 0;
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      const shape = shapes.find(([prefix]) => path.startsWith(prefix));
      if (!shape) continue;
      for (const [method, op] of Object.entries<any>(item)) {
        const tooMany = op.responses["429"];
        expect(tooMany, `${method} ${path}`).toBeDefined();
        expect(tooMany.headers["Retry-After"], `${method} ${path}`).toBeDefined();
        expect(tooMany.content["application/json"].schema, `${method} ${path}`).toEqual({ $ref: shape[1] });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });
});
