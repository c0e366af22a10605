import { describe, expect, it } from "vitest";
import { ADMIN, api, call, expectEnvelope } from "../helpers/http";
import { createTenant, setup } from "../helpers/tenants";

const PROBE = "/api/v1/patients";

describe("API key authentication", () => {
  it("accepts the key as X-API-Key, API-KEY and Authorization: Bearer", async () => {
    const t = await createTenant();
    for (const headers of <Record<string, string>[]>[
      { "X-API-Key": t.apiKey },
      { "x-api-key": t.apiKey },
      { "API-KEY": t.apiKey },
      { Authorization: `Bearer ${t.apiKey}` },
      { Authorization: `bearer ${t.apiKey}` },
    ]) {
      const res = await call(PROBE, { headers });
      expect(res.status, JSON.stringify(Object.keys(headers))).toBe(200);
      expect(res.body.pagination.total).toBe(0);
    }
  });

  it("scopes every request to the key's tenant", async () => {
    const a = await setup();
    const b = await createTenant();
    expect((await call(PROBE, { headers: { "API-KEY": a.key } })).body.pagination.total).toBe(1);
    expect((await call(PROBE, { headers: { Authorization: `Bearer ${b.apiKey}` } })).body.pagination.total).toBe(0);
  });

  it("accepts API-KEY with a TENANT header naming the key's tenant", async () => {
    const t = await createTenant();
    const res = await call(PROBE, { headers: { "API-KEY": t.apiKey, TENANT: t.id } });
    expect(res.status).toBe(200);
  });

  it("refuses API-KEY with a TENANT header naming another or no tenant (403)", async () => {
    const t = await createTenant();
    const other = await createTenant();
    for (const tenant of [other.id, "99999999-9999-4999-8999-999999999999", "nonsense", ""]) {
      const res = await call(PROBE, { headers: { "API-KEY": t.apiKey, TENANT: tenant } });
      expect(res.status, tenant).toBe(403);
      expectEnvelope(res.body, 403, PROBE, "GET", "The TENANT header does not match the API key's tenant");
    }
    // Another tenant's id never lets a key reach that tenant's data.
    const created = await call(PROBE, { method: "POST", headers: { "API-KEY": t.apiKey, TENANT: other.id }, json: { firstName: "A", lastName: "B" } });
    expect(created.status).toBe(403);
    expect((await call(PROBE, { headers: { "X-API-Key": other.apiKey } })).body.pagination.total).toBe(0);
  });

  it("answers 401 for a missing key", async () => {
    for (const headers of <Record<string, string>[]>[{}, { "X-API-Key": "" }, { Authorization: "Bearer" }, { Authorization: "Basic Zm9vOmJhcg==" }, { Authorization: "test-admin-token" }]) {
      const res = await call(PROBE, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expectEnvelope(res.body, 401, PROBE, "GET");
    }
    const res = await call(PROBE);
    expectEnvelope(res.body, 401, PROBE, "GET", "Missing API key: send X-API-Key, API-KEY or Authorization: Bearer");
  });

  it("answers 401 for an unknown key, in every header, and for the admin token", async () => {
    const t = await createTenant();
    for (const headers of <Record<string, string>[]>[
      { "X-API-Key": "sb_not-a-real-key" },
      { "API-KEY": `${t.apiKey}x` },
      { Authorization: `Bearer ${t.apiKey.slice(0, -1)}` },
      ADMIN,
    ]) {
      const res = await call(PROBE, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expectEnvelope(res.body, 401, PROBE, "GET", "Invalid API key");
    }
  });

  it("refuses a revoked key at once, in every header, while the tenant's other keys work", async () => {
    const t = await createTenant();
    const spare = await call(`/admin/tenants/${t.id}/keys`, { method: "POST", headers: ADMIN, json: { name: "spare" } });
    expect((await api(PROBE, { key: t.apiKey })).status).toBe(200);
    const revoke = await call(`/admin/tenants/${t.id}/keys/${t.apiKeyId}`, { method: "DELETE", headers: ADMIN });
    expect(revoke.status).toBe(200);
    for (const headers of <Record<string, string>[]>[{ "X-API-Key": t.apiKey }, { "API-KEY": t.apiKey, TENANT: t.id }, { Authorization: `Bearer ${t.apiKey}` }]) {
      const res = await call(PROBE, { headers });
      expect(res.status).toBe(401);
      expectEnvelope(res.body, 401, PROBE, "GET", "Invalid API key");
    }
    expect((await api(PROBE, { key: spare.body.apiKey })).status).toBe(200);
    // Revoking again is harmless and keeps the first revocation time.
    const again = await call(`/admin/tenants/${t.id}/keys/${t.apiKeyId}`, { method: "DELETE", headers: ADMIN });
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(revoke.body.revokedAt);
    expect((await api(PROBE, { key: t.apiKey })).status).toBe(401);
  });

  it("guards every /api/v1 route", async () => {
    const id = "22222222-2222-2222-2222-222222222222";
    const routes: [string, string][] = [
      ["POST", "/api/v1/patients"], ["GET", "/api/v1/patients"], ["GET", `/api/v1/patients/${id}`],
      ["PATCH", `/api/v1/patients/${id}`], ["DELETE", `/api/v1/patients/${id}`],
      ["POST", "/api/v1/agents"], ["GET", "/api/v1/agents"], ["GET", `/api/v1/agents/${id}`],
      ["PATCH", `/api/v1/agents/${id}`], ["DELETE", `/api/v1/agents/${id}`],
      ["POST", "/api/v1/calls"], ["GET", "/api/v1/calls"], ["GET", `/api/v1/calls/${id}`],
      ["GET", `/api/v1/calls/${id}/events`], ["DELETE", `/api/v1/calls/${id}`],
      ["GET", "/api/v1/calls/campaigns"], ["GET", `/api/v1/calls/campaigns/${id}`],
    ];
    for (const [method, path] of routes) {
      const res = await call(path, { method, ...(method === "POST" || method === "PATCH" ? { json: {} } : {}) });
      expect(res.status, `${method} ${path}`).toBe(401);
      expectEnvelope(res.body, 401, path, method);
    }
  });
});
