import { describe, expect, it } from "vitest";
import { ADMIN, api, call, expectEnvelope } from "../helpers/http";
import { createTenant } from "../helpers/tenants";
import { comms } from "../helpers/http";
import { vocode, voipbin } from "../helpers/http";

/*
 * VoIPbin clients send their key in the URL (`?accesskey=`), where proxies and CDNs log it. A key
 * limited to the VoIPbin surface keeps such a leak there: it works on /v1.0 and nowhere else.
 */

async function issueVoipbinKey(key: string, name = "voipbin client") {
  const res = await call("/api/v1/api-keys", { method: "POST", key, json: { name, surface: "voipbin" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; apiKey: string; surface: string; prefix: string };
}

describe("keys limited to the VoIPbin surface", () => {
  it("a tenant issues one; it works on /v1.0 in every form VoIPbin clients use", async () => {
    const t = await createTenant();
    const scoped = await issueVoipbinKey(t.apiKey);
    expect(scoped).toMatchObject({ tenantId: t.id, name: "voipbin client", surface: "voipbin", revokedAt: null, apiKey: expect.stringMatching(/^sb_/) });
    expect(scoped.prefix).toBe(scoped.apiKey.slice(0, 8));

    expect((await voipbin("/v1.0/aicalls", scoped.apiKey)).status).toBe(200);
    expect((await call(`/v1.0/aicalls?token=${scoped.apiKey}`)).status).toBe(200);
    expect((await call("/v1.0/aicalls", { headers: { Authorization: `Bearer ${scoped.apiKey}` } })).status).toBe(200);
  });

  it("is refused (403) on every other surface, each in its own shape", async () => {
    const t = await createTenant();
    const { apiKey: scoped } = await issueVoipbinKey(t.apiKey);
    const message = /works only on the VoIPbin surface \(\/v1\.0\)/;

    const v1 = await call("/api/v1/patients", { key: scoped });
    expect(v1.status).toBe(403);
    expectEnvelope(v1.body, 403, "/api/v1/patients", "GET", message);
    // It cannot mint itself a broader key, or anything else on /api/v1.
    expect((await call("/api/v1/api-keys", { method: "POST", key: scoped, json: { surface: "voipbin" } })).status).toBe(403);

    const commsRes = await comms("/comms/call/00000000-0000-4000-8000-000000000000", { key: scoped, tenant: t.id });
    expect(commsRes.status).toBe(403);
    expect(commsRes.body).toEqual({ detail: expect.stringMatching(message) });

    const vocodeRes = await vocode("/v1/calls/list", scoped);
    expect(vocodeRes.status).toBe(403);
    expect(vocodeRes.body).toEqual({ detail: expect.stringMatching(message) });

    // The operator's surface takes the admin token only, whatever the key.
    expect((await call(`/admin/tenants/${t.id}`, { headers: { Authorization: `Bearer ${scoped}` } })).status).toBe(401);
    // The tenant's regular key still works everywhere, ?accesskey= included.
    expect((await call("/api/v1/patients", { key: t.apiKey })).status).toBe(200);
    expect((await voipbin("/v1.0/aicalls", t.apiKey)).status).toBe(200);
    expect((await vocode("/v1/calls/list", t.apiKey)).status).toBe(200);
  });

  it("a tenant issues only surface-limited keys; the operator can issue them too", async () => {
    const t = await createTenant();
    for (const body of [{}, { surface: "all" }, { surface: null }, { surface: "voipbin", name: 7 }]) {
      const res = await call("/api/v1/api-keys", { method: "POST", key: t.apiKey, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const byOperator = await call(`/admin/tenants/${t.id}/keys`, { method: "POST", headers: ADMIN, json: { name: "vb", surface: "voipbin" } });
    expect(byOperator.status).toBe(201);
    expect(byOperator.body.surface).toBe("voipbin");
    expect((await voipbin("/v1.0/aicalls", byOperator.body.apiKey)).status).toBe(200);
    expect((await call("/api/v1/agents", { key: byOperator.body.apiKey })).status).toBe(403);
    expect((await call(`/admin/tenants/${t.id}/keys`, { method: "POST", headers: ADMIN, json: { surface: "vocode" } })).status).toBe(400);
  });

  it("lists the tenant's keys without secrets; revokes a surface key at once, never a full or another tenant's key", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const scoped = await issueVoipbinKey(t.apiKey);
    const foreign = await issueVoipbinKey(other.apiKey);

    const list = await call("/api/v1/api-keys", { key: t.apiKey });
    expect(list.status).toBe(200);
    expect(list.body.data.map((k: any) => [k.id, k.surface])).toEqual([
      [scoped.id, "voipbin"],
      [t.apiKeyId, null],
    ]);
    expect(JSON.stringify(list.body)).not.toContain(scoped.apiKey);
    expect(JSON.stringify(list.body)).not.toMatch(/hash/i);

    expect((await call(`/api/v1/api-keys/${t.apiKeyId}`, { method: "DELETE", key: t.apiKey })).status).toBe(404);
    expect((await call(`/api/v1/api-keys/${foreign.id}`, { method: "DELETE", key: t.apiKey })).status).toBe(404);
    expect((await voipbin("/v1.0/aicalls", foreign.apiKey)).status).toBe(200);

    const revoked = await call(`/api/v1/api-keys/${scoped.id}`, { method: "DELETE", key: t.apiKey });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: scoped.id, surface: "voipbin", revokedAt: expect.any(String) });
    const refused = await voipbin("/v1.0/aicalls", scoped.apiKey);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ status: "UNAUTHENTICATED", reason: "INVALID_CREDENTIALS" });
    expect((await call("/api/v1/patients", { key: t.apiKey })).status).toBe(200);

    // Issued and revoked by the tenant's own key, in its audit trail.
    const trail = (await call(`/api/v1/audit-events?object_id=${scoped.id}`, { key: t.apiKey })).body.data;
    expect(trail.map((e: any) => [e.action, e.actor.api_key_id, e.detail])).toEqual([
      ["api_key.revoked", t.apiKeyId, null],
      ["api_key.issued", t.apiKeyId, { surface: "voipbin" }],
    ]);
  });

  it("documents the proxy-logging risk of ?accesskey= and the routes with operationIds", async () => {
    const doc = await (await api("/openapi.json")).json<any>();
    expect(doc.components.securitySchemes.VoipbinAccessKey.description).toMatch(/logs/);
    expect(doc.components.securitySchemes.VoipbinAccessKey.description).toMatch(/surface/);
    expect(doc.paths["/api/v1/api-keys"].post.operationId).toBe("createSurfaceApiKey");
    expect(doc.paths["/api/v1/api-keys"].get.operationId).toBe("listApiKeys");
    expect(doc.paths["/api/v1/api-keys/{keyId}"].delete.operationId).toBe("revokeSurfaceApiKey");
    expect(doc.paths["/api/v1/api-keys"].post.security).toEqual([{ ApiKeyAuth: [] }, { ApiKeyHeader: [] }, { BearerAuth: [] }]);
  });
});
