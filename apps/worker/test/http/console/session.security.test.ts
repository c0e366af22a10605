import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/lib/crypto";
import { findSession, openSession } from "../../../src/tenants/console-sessions";
import { ADMIN, api, expectEnvelope, json } from "../../helpers/http";
import { createPatient, createTenant } from "../../helpers/tenants";

const ORIGIN = "https://switchboard.test";
const CSRF = { "X-Switchboard-Console": "1", Origin: ORIGIN, "Sec-Fetch-Site": "same-origin" };

/** Signs in as the console does; returns the session cookie's value and the response. */
async function signIn(body: Record<string, unknown>) {
  const res = await api("/console/session", { method: "POST", headers: CSRF, json: body });
  const setCookie = res.headers.get("Set-Cookie") ?? "";
  const id = setCookie.match(/^sb_console=([^;]+)/)?.[1];
  return { res, id, setCookie, body: await res.json<any>() };
}

/** A request the console's app would make, with the session cookie. */
function consoleApi(path: string, id: string | undefined, init: Parameters<typeof api>[1] = {}) {
  const headers = { ...(init.method && init.method !== "GET" ? CSRF : {}), ...(init.headers as Record<string, string>), ...(id ? { Cookie: `sb_console=${id}` } : {}) };
  return api(`/console${path}`, { ...init, headers });
}

describe("console sign-in", () => {
  it("trades a valid API key for an HttpOnly, Secure, SameSite=Strict session cookie scoped to /console", async () => {
    const tenant = await createTenant("Sunrise Clinic");
    const { res, id, setCookie, body } = await signIn({ apiKey: tenant.apiKey });
    expect(res.status).toBe(201);
    expect(body).toEqual({ kind: "tenant", tenant: { id: tenant.id, name: "Sunrise Clinic" }, expiresAt: expect.any(String) });
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("Secure");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/console");
    expect(setCookie).toContain("Max-Age=43200");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    // Neither the key nor the session id is stored: only the session id's hash.
    const rows = await env.DB.prepare("SELECT * FROM console_sessions WHERE tenant_id = ?").bind(tenant.id).all<any>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0].id_hash).toBe(await sha256Hex(id!));
    expect(JSON.stringify(rows.results)).not.toContain(id);
    expect(JSON.stringify(rows.results)).not.toContain(tenant.apiKey);
    // Audited as the key's sign-in.
    const audit = await json(await api(`/api/v1/audit-events?action=api_key.console_signed_in`, { key: tenant.apiKey }));
    expect(audit.data.map((e: any) => [e.object_id, e.actor.api_key_id])).toEqual([[tenant.apiKeyId, tenant.apiKeyId]]);
  });

  it("refuses a wrong key or token with a 401 and no cookie", async () => {
    for (const body of [{ apiKey: "sb_not-a-key" }, { adminToken: "not-the-token" }]) {
      const { res, setCookie, body: answer } = await signIn(body);
      expect(res.status).toBe(401);
      expect(setCookie).toBe("");
      expectEnvelope(answer, 401, "/console/session", "POST", /not valid/);
    }
  });

  it.each([
    ["malformed JSON", "{not json", 400, /must be JSON/],
    ["both credentials", JSON.stringify({ apiKey: "a", adminToken: "b" }), 400, /Send \{ apiKey \}/],
    ["an unknown field", JSON.stringify({ apiKey: "a", remember: true }), 400, /Send \{ apiKey \}/],
    ["an empty key", JSON.stringify({ apiKey: "  " }), 400, /Send \{ apiKey \}/],
    ["an array", "[]", 400, /Send \{ apiKey \}/],
    ["an oversized body", JSON.stringify({ apiKey: "k".repeat(10_000) }), 413, /too large/],
  ])("answers %s in the envelope", async (_, raw, status, message) => {
    const res = await api("/console/session", { method: "POST", headers: { ...CSRF, "Content-Type": "application/json" }, body: raw });
    expect(res.status).toBe(status);
    expectEnvelope(await res.json(), status, "/console/session", "POST", message);
  });
});

describe("a console session", () => {
  it("reaches the tenant's own API and nothing else, never cached", async () => {
    const tenant = await createTenant();
    const patient = await createPatient(tenant.apiKey, { lastName: "Lopez" });
    const stranger = await createTenant();
    const strangersPatient = await createPatient(stranger.apiKey);
    const { id } = await signIn({ apiKey: tenant.apiKey });

    const mine = await consoleApi(`/api/v1/patients/${patient.patient_id}`, id);
    expect(mine.status).toBe(200);
    expect(mine.headers.get("Cache-Control")).toBe("no-store");
    expect((await mine.json<any>()).last_name).toBe("Lopez");
    const theirs = await consoleApi(`/api/v1/patients/${strangersPatient.patient_id}`, id);
    expect(theirs.status).toBe(404);
    // The operator's API needs an operator session.
    expect((await consoleApi("/admin/tenants", id)).status).toBe(401);
    // Unknown console API paths answer the API's own 404.
    const unknown = await consoleApi("/api/v1/nothing-here", id);
    expect(unknown.status).toBe(404);
    expectEnvelope(await unknown.json(), 404, "/console/api/v1/nothing-here", "GET");
  });

  it("acts as the key it was opened with: changes are audited under that key", async () => {
    const tenant = await createTenant();
    const { id } = await signIn({ apiKey: tenant.apiKey });
    const res = await consoleApi("/api/v1/patients", id, { method: "POST", json: { firstName: "Ada", lastName: "Byron", phoneNumber: "+15555550199" } });
    expect(res.status).toBe(201);
    const created = await res.json<any>();
    const audit = await json(await api(`/api/v1/audit-events?object_id=${created.patient_id}`, { key: tenant.apiKey }));
    expect(audit.data[0]).toMatchObject({ action: "patient.created", actor: { type: "api_key", api_key_id: tenant.apiKeyId } });
  });

  it("ends at sign-out: the cookie is cleared and the session refused from then on", async () => {
    const tenant = await createTenant();
    const { id } = await signIn({ apiKey: tenant.apiKey });
    expect((await consoleApi("/session", id)).status).toBe(200);
    const out = await consoleApi("/session", id, { method: "DELETE" });
    expect(out.status).toBe(200);
    expect(out.headers.get("Set-Cookie")).toMatch(/^sb_console=;.*Max-Age=0/);
    expect((await consoleApi("/session", id)).status).toBe(401);
    expect((await consoleApi("/api/v1/patients", id)).status).toBe(401);
  });

  it("ends when its API key is revoked", async () => {
    const tenant = await createTenant();
    const { id } = await signIn({ apiKey: tenant.apiKey });
    expect((await consoleApi("/api/v1/patients", id)).status).toBe(200);
    expect((await api(`/admin/tenants/${tenant.id}/keys/${tenant.apiKeyId}`, { method: "DELETE", headers: ADMIN })).status).toBe(200);
    const after = await consoleApi("/api/v1/patients", id);
    expect(after.status).toBe(401);
    expectEnvelope(await after.json(), 401, "/console/api/v1/patients", "GET", /Sign in/);
  });

  it("ends when the browser signs in again (the new session replaces it)", async () => {
    const tenant = await createTenant();
    const { id: first } = await signIn({ apiKey: tenant.apiKey });
    const again = await api("/console/session", { method: "POST", headers: { ...CSRF, Cookie: `sb_console=${first}` }, json: { apiKey: tenant.apiKey } });
    expect(again.status).toBe(201);
    const second = again.headers.get("Set-Cookie")!.match(/^sb_console=([^;]+)/)![1];
    expect(second).not.toBe(first);
    expect((await consoleApi("/api/v1/patients", first)).status).toBe(401);
    expect((await consoleApi("/api/v1/patients", second)).status).toBe(200);
  });

  it("ends after twelve hours", async () => {
    const tenant = await createTenant();
    const { id } = await signIn({ apiKey: tenant.apiKey });
    await env.DB.prepare("UPDATE console_sessions SET expires_at = ? WHERE id_hash = ?").bind(Date.now() - 1, await sha256Hex(id!)).run();
    expect((await consoleApi("/api/v1/patients", id)).status).toBe(401);
  });

  it("is refused for a cookie that was never issued, or a malformed one", async () => {
    for (const cookie of ["A".repeat(43), "short", "x".repeat(5000)]) {
      expect((await consoleApi("/api/v1/patients", cookie)).status).toBe(401);
    }
  });

  it("is not a credential for the public API, and an API key is not one for the console's", async () => {
    const tenant = await createTenant();
    const { id } = await signIn({ apiKey: tenant.apiKey });
    const publicWithCookie = await api("/api/v1/patients", { headers: { Cookie: `sb_console=${id}` } });
    expect(publicWithCookie.status).toBe(401);
    const consoleWithKey = await api("/console/api/v1/patients", { key: tenant.apiKey });
    expect(consoleWithKey.status).toBe(401);
  });
});

describe("the operator's console session", () => {
  it("opens with the admin token and reaches /admin only", async () => {
    const { res, id, body } = await signIn({ adminToken: "test-admin-token" });
    expect(res.status).toBe(201);
    expect(body).toEqual({ kind: "operator", tenant: null, expiresAt: expect.any(String) });
    expect((await consoleApi("/admin/tenants", id)).status).toBe(200);
    expect((await consoleApi("/api/v1/patients", id)).status).toBe(401);
  });

  it("ends when the deployment's ADMIN_TOKEN changes", async () => {
    const opened = await openSession(env.DB, "token-one", { adminToken: "token-one" });
    expect(await findSession(env.DB, "token-one", opened!.id)).toMatchObject({ kind: "operator" });
    expect(await findSession(env.DB, "token-two", opened!.id)).toBeNull();
    expect(await findSession(env.DB, undefined, opened!.id)).toBeNull();
  });
});

describe("CSRF", () => {
  it("refuses a state-changing request without the console's header, or from another origin or site", async () => {
    const tenant = await createTenant();
    const { id } = await signIn({ apiKey: tenant.apiKey });
    const body = { firstName: "Eve", lastName: "X" };
    const attempts: Record<string, string>[] = [
      { Origin: ORIGIN },
      { "X-Switchboard-Console": "1", Origin: "https://evil.example" },
      { "X-Switchboard-Console": "1", "Sec-Fetch-Site": "cross-site" },
      { "X-Switchboard-Console": "1", "Sec-Fetch-Site": "same-site" },
      { "X-Switchboard-Console": "yes" },
    ];
    for (const headers of attempts) {
      const res = await api("/console/api/v1/patients", { method: "POST", headers: { ...headers, Cookie: `sb_console=${id}` }, json: body });
      expect(res.status, JSON.stringify(headers)).toBe(403);
    }
    expect((await json(await api("/api/v1/patients", { key: tenant.apiKey }))).data).toEqual([]);
    // Sign-in and sign-out need it too (no logging a victim into someone else's clinic).
    expect((await api("/console/session", { method: "POST", json: { apiKey: tenant.apiKey } })).status).toBe(403);
    expect((await api("/console/session", { method: "DELETE", headers: { Cookie: `sb_console=${id}` } })).status).toBe(403);
    expect((await consoleApi("/session", id)).status).toBe(200);
  });
});

describe("the console's pages", () => {
  it("serves one page for every console path, under a strict policy, never cached", async () => {
    for (const path of ["/console", "/console/", "/console/calls/123", "/console/campaigns?x=1"]) {
      const res = await api(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("Content-Type")).toMatch(/text\/html/);
      expect(res.headers.get("Cache-Control")).toBe("no-store");
      expect(res.headers.get("Content-Security-Policy")).toContain("default-src 'self'");
      expect(res.headers.get("X-Frame-Options")).toBe("DENY");
      const html = await res.text();
      expect(html).toContain('<script type="module" src="/console/assets/app.js"></script>');
      expect(html).not.toMatch(/https?:\/\//);
    }
  });

  it("serves the app's bundle from the worker's assets", async () => {
    const js = await api("/console/assets/app.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("Content-Type")).toMatch(/javascript/);
    expect((await api("/console/assets/app.css")).status).toBe(200);
    expect((await api("/console/assets/missing.js")).status).toBe(404);
  });

  it("answers other methods on unknown console paths with the envelope's 404", async () => {
    const res = await api("/console/nowhere", { method: "POST", headers: CSRF, json: {} });
    expect(res.status).toBe(404);
    expectEnvelope(await res.json(), 404, "/console/nowhere", "POST");
  });
});
