import { describe, expect, it } from "vitest";
import { ADMIN, api, call, expectEnvelope, json } from "../../helpers/http";
import { createTenant } from "../../helpers/tenants";

const UNKNOWN = "99999999-9999-4999-8999-999999999999";

describe("admin: tenants", () => {
  it("creates a tenant with its first API key, which works on /api/v1", async () => {
    const res = await call("/admin/tenants", { method: "POST", headers: ADMIN, json: { name: "North Clinic", concurrencyLimit: 5, timezone: "America/Denver" } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: "North Clinic",
      concurrencyLimit: 5,
      timezone: "America/Denver",
      callingHours: null,
      // The limits in force (this suite's deployment defaults: vitest.config.ts).
      limits: { requestsPerSecond: expect.any(Number), requestBurst: expect.any(Number), callsPerMinute: expect.any(Number), webhookEndpoints: 20 },
      shard: 0,
      hotWindowDays: 90,
      phiRetentionDays: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      apiKey: expect.stringMatching(/^sb_[A-Za-z0-9_-]{40,}$/),
      apiKeyId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect((await api("/api/v1/patients", { key: res.body.apiKey })).status).toBe(200);
  });

  it("defaults the concurrency limit and time zone", async () => {
    const res = await call("/admin/tenants", { method: "POST", headers: ADMIN, json: { name: "Defaults" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ concurrencyLimit: 10, timezone: "America/New_York" });
  });

  it("rejects a missing name, a bad time zone and a bad limit with 400", async () => {
    for (const body of [{}, { name: "  " }, { name: "x", timezone: "Mars/Olympus" }, { name: "x", concurrencyLimit: 0 }, { name: 7 }]) {
      const res = await call("/admin/tenants", { method: "POST", headers: ADMIN, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectEnvelope(res.body, 400, "/admin/tenants", "POST");
    }
  });

  it("lists, gets and updates tenants", async () => {
    const a = await createTenant("List A");
    const b = await createTenant("List B");
    const list = await call("/admin/tenants?size=500", { headers: ADMIN });
    expect(list.status).toBe(200);
    const ids = list.body.data.map((t: any) => t.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    // newest first
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    expect(list.body.pagination).toMatchObject({ start: 1, requested_size: 500, returned_count: ids.length, total: ids.length, hasMore: false });
    // the list never shows keys
    expect(JSON.stringify(list.body)).not.toContain(a.apiKey);

    const one = await call(`/admin/tenants/${a.id}`, { headers: ADMIN });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ id: a.id, name: "List A", concurrencyLimit: 10, timezone: "America/New_York", callingHours: null, limits: expect.any(Object), shard: 0, hotWindowDays: 90, phiRetentionDays: null, createdAt: expect.any(String) });

    const patched = await call(`/admin/tenants/${a.id}`, { method: "PATCH", headers: ADMIN, json: { name: "Renamed", concurrencyLimit: 3 } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: a.id, name: "Renamed", concurrencyLimit: 3, timezone: "America/New_York" });
    expect((await call(`/admin/tenants/${a.id}`, { headers: ADMIN })).body.name).toBe("Renamed");
  });

  it("PATCH with an empty body changes nothing (and is not a 500)", async () => {
    const t = await createTenant("Unchanged");
    const res = await call(`/admin/tenants/${t.id}`, { method: "PATCH", headers: ADMIN, json: {} });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: t.id, name: "Unchanged", concurrencyLimit: 10 });
  });

  it("PATCH validates and answers 404 for an unknown tenant", async () => {
    const t = await createTenant();
    const bad = await call(`/admin/tenants/${t.id}`, { method: "PATCH", headers: ADMIN, json: { timezone: "Nowhere/Land" } });
    expect(bad.status).toBe(400);
    expectEnvelope(bad.body, 400, `/admin/tenants/${t.id}`, "PATCH", /timezone/);
    for (const body of [{ name: "x" }, {}]) {
      const missing = await call(`/admin/tenants/${UNKNOWN}`, { method: "PATCH", headers: ADMIN, json: body });
      expect(missing.status).toBe(404);
      expectEnvelope(missing.body, 404, `/admin/tenants/${UNKNOWN}`, "PATCH", "Tenant not found");
    }
    const get = await call(`/admin/tenants/${UNKNOWN}`, { headers: ADMIN });
    expect(get.status).toBe(404);
    expectEnvelope(get.body, 404, `/admin/tenants/${UNKNOWN}`, "GET", "Tenant not found");
  });
});

describe("admin: API keys", () => {
  it("issues more keys, lists them without secrets, and revokes one", async () => {
    const t = await createTenant();
    const issued = await call(`/admin/tenants/${t.id}/keys`, { method: "POST", headers: ADMIN, json: { name: "ci" } });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({
      id: expect.any(String),
      tenantId: t.id,
      name: "ci",
      prefix: issued.body.apiKey.slice(0, 8),
      surface: null,
      createdAt: expect.any(String),
      revokedAt: null,
      apiKey: expect.stringMatching(/^sb_/),
    });
    expect(issued.body.apiKey).not.toBe(t.apiKey);
    expect((await api("/api/v1/agents", { key: issued.body.apiKey })).status).toBe(200);

    // No body at all is fine: the key just has no name.
    const unnamed = await call(`/admin/tenants/${t.id}/keys`, { method: "POST", headers: ADMIN });
    expect(unnamed.status).toBe(201);
    expect(unnamed.body.name).toBeNull();

    const list = await call(`/admin/tenants/${t.id}/keys`, { headers: ADMIN });
    expect(list.status).toBe(200);
    expect(list.body.data.map((k: any) => k.id).sort()).toEqual([t.apiKeyId, issued.body.id, unnamed.body.id].sort());
    const text = JSON.stringify(list.body);
    for (const secret of [t.apiKey, issued.body.apiKey, unnamed.body.apiKey]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/hash/i);

    const revoked = await call(`/admin/tenants/${t.id}/keys/${issued.body.id}`, { method: "DELETE", headers: ADMIN });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: issued.body.id, revokedAt: expect.any(String) });
    expect((await api("/api/v1/agents", { key: issued.body.apiKey })).status).toBe(401);
    expect((await api("/api/v1/agents", { key: t.apiKey })).status).toBe(200);
  });

  it("answers 404 for keys of an unknown tenant or another tenant's key", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const issue = await call(`/admin/tenants/${UNKNOWN}/keys`, { method: "POST", headers: ADMIN, json: {} });
    expect(issue.status).toBe(404);
    expectEnvelope(issue.body, 404, `/admin/tenants/${UNKNOWN}/keys`, "POST", "Tenant not found");
    // b's key through a's path: not found, and b's key keeps working
    const wrong = await call(`/admin/tenants/${a.id}/keys/${b.apiKeyId}`, { method: "DELETE", headers: ADMIN });
    expect(wrong.status).toBe(404);
    expect((await api("/api/v1/patients", { key: b.apiKey })).status).toBe(200);
  });
});

describe("admin: authentication", () => {
  const routes = (tenantId: string, keyId: string): [string, string, unknown?][] => [
    ["POST", "/admin/tenants", { name: "x" }],
    ["GET", "/admin/tenants"],
    ["GET", `/admin/tenants/${tenantId}`],
    ["PATCH", `/admin/tenants/${tenantId}`, { name: "hijacked" }],
    ["POST", `/admin/tenants/${tenantId}/keys`, {}],
    ["GET", `/admin/tenants/${tenantId}/keys`],
    ["DELETE", `/admin/tenants/${tenantId}/keys/${keyId}`],
  ];

  it("refuses every admin route without the admin token (401 envelope)", async () => {
    const t = await createTenant("Guarded");
    const credentials: Record<string, string>[] = [
      {},
      { Authorization: "Bearer wrong-token" },
      { Authorization: "test-admin-token" },
      { Authorization: `Bearer ${t.apiKey}` },
      { "X-API-Key": "test-admin-token" },
      { "X-API-Key": t.apiKey },
    ];
    for (const [method, path, body] of routes(t.id, t.apiKeyId)) {
      for (const headers of credentials) {
        const res = await call(path, { method, headers, ...(body === undefined ? {} : { json: body }) });
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expectEnvelope(res.body, 401, path, method, "Invalid or missing admin token");
      }
    }
    // Nothing changed: the tenant keeps its name and its key.
    expect((await call(`/admin/tenants/${t.id}`, { headers: ADMIN })).body.name).toBe("Guarded");
    expect((await api("/api/v1/patients", { key: t.apiKey })).status).toBe(200);
  });

  it("accepts the admin token on every admin route", async () => {
    const t = await createTenant();
    for (const [method, path, body] of routes(t.id, t.apiKeyId)) {
      const res = await api(path, { method, headers: ADMIN, ...(body === undefined ? {} : { json: body }) });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      await json(res);
    }
  });
});
