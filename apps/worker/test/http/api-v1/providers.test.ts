import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { open } from "../../../src/lib/secret-box";
import { api, call, expectEnvelope, json } from "../../helpers/http";
import { createAgent, createPatient, createTenant } from "../../helpers/tenants";
import { configureProvider } from "../../helpers/vendors";

const RETELL = { apiKey: "key_0123456789abcdefSECRETtail", fromNumber: "(415) 555-0100" };
const LIVEKIT = {
  apiKey: "APIlivekitkey",
  apiSecret: "livekit-secret-value-do-not-leak",
  baseUrl: "https://clinic.livekit.cloud",
  options: { sipTrunkId: "ST_abc", agentName: "reminder-agent" },
};

describe("provider credentials", () => {
  it("stores credentials sealed and shows them masked, with the webhook URL to paste", async () => {
    const { apiKey: key, id: tenantId } = await createTenant();
    const res = await call("/api/v1/providers/retell", { method: "PUT", key, json: RETELL });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      provider: "retell",
      apiKey: "••••tail",
      apiSecret: null,
      baseUrl: null,
      fromNumber: "+14155550100",
      options: {},
      webhookUrl: expect.stringMatching(/^https:\/\/switchboard\.test\/webhooks\/retell\/whk_[A-Za-z0-9_-]{32}$/),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(JSON.stringify(res.body)).not.toContain("SECRET");
    const got = await call("/api/v1/providers/retell", { key });
    expect(got.body).toEqual(res.body);

    const row = await env.DB.prepare("SELECT * FROM provider_credentials WHERE tenant_id = ?").bind(tenantId).first<any>();
    expect(JSON.stringify(row)).not.toContain(RETELL.apiKey);
    expect(row.api_key_sealed).toMatch(/^v1\./);
    const context = `provider_credentials:${row.id}:${tenantId}:retell:apiKey`;
    expect(await open(row.api_key_sealed, env.SECRETS_KEY!, context)).toBe(RETELL.apiKey);
    // Sealed to its row: the same ciphertext does not open as another tenant's.
    await expect(open(row.api_key_sealed, env.SECRETS_KEY!, context.replace(tenantId, crypto.randomUUID()))).rejects.toThrow();
    // The webhook token is stored hashed and sealed, never in the clear.
    expect(JSON.stringify(row)).not.toContain(res.body.webhookUrl.split("/").at(-1));
  });

  it("keeps the webhook URL when credentials are replaced, and forgets everything on delete", async () => {
    const { apiKey: key } = await createTenant();
    const first = await configureProvider(key, "livekit", LIVEKIT);
    const second = await configureProvider(key, "livekit", { ...LIVEKIT, apiSecret: "rotated-secret-rotated-secret-99" });
    expect(second.webhookUrl).toBe(first.webhookUrl);
    expect(second.apiSecret).toBe("••••t-99");
    const list = await call("/api/v1/providers", { key });
    expect(list.body.data.map((p: any) => p.provider)).toEqual(["livekit"]);

    const del = await call("/api/v1/providers/livekit", { method: "DELETE", key });
    expect(del.body).toEqual({ provider: "livekit", deleted: true });
    expect((await call("/api/v1/providers/livekit", { key })).status).toBe(404);
    expect((await call("/api/v1/providers/livekit", { method: "DELETE", key })).status).toBe(404);
    const webhook = await api(first.webhookUrl.replace("https://switchboard.test", ""), { method: "POST", body: "{}" });
    expect(webhook.status).toBe(401);
    const again = await configureProvider(key, "livekit", LIVEKIT);
    expect(again.webhookUrl).not.toBe(first.webhookUrl);
  });

  it("a webhook URL works only for its own vendor", async () => {
    const { apiKey: key } = await createTenant();
    const { webhookUrl } = await configureProvider(key, "retell", RETELL);
    const res = await api(webhookUrl.replace("https://switchboard.test", "").replace("/retell/", "/livekit/"), { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    expectEnvelope(await json(res), 401, expect.stringMatching(/^\/webhooks\/livekit\//) as any, "POST", "Unknown webhook URL");
  });

  it("each tenant sees only its own", async () => {
    const a = await createTenant("A");
    const b = await createTenant("B");
    const aUrl = (await configureProvider(a.apiKey, "retell", RETELL)).webhookUrl;
    const bUrl = (await configureProvider(b.apiKey, "retell", { ...RETELL, apiKey: "key_tenant_b_0000000000000000" })).webhookUrl;
    expect(aUrl).not.toBe(bUrl);
    expect((await call("/api/v1/providers/vocode", { key: b.apiKey })).status).toBe(404);
    await call("/api/v1/providers/retell", { method: "DELETE", key: b.apiKey });
    expect((await call("/api/v1/providers/retell", { key: a.apiKey })).status).toBe(200);
  });

  it("rejects what a vendor cannot work with, with 400", async () => {
    const { apiKey: key } = await createTenant();
    const cases: [string, unknown, RegExp][] = [
      ["retell", {}, /apiKey/],
      ["retell", { apiKey: "k" }, /fromNumber: required for retell/],
      ["retell", { apiKey: "k", fromNumber: "not a number" }, /fromNumber: must be a phone number/],
      ["retell", { ...RETELL, baseUrl: "ftp://example.com" }, /baseUrl/],
      ["retell", { ...RETELL, baseUrl: "wss://example.com" }, /baseUrl: must be an http\(s\) URL/],
      ["retell", { ...RETELL, options: { surprise: true } }, /options/],
      ["livekit", { ...LIVEKIT, apiSecret: undefined }, /apiSecret: required for livekit/],
      ["livekit", { ...LIVEKIT, baseUrl: undefined }, /baseUrl: required for livekit/],
      ["livekit", { ...LIVEKIT, options: {} }, /options.sipTrunkId/],
      ["livekit", { ...LIVEKIT, options: { sipTrunkId: "ST_1", timeoutMs: 5 } }, /options.timeoutMs/],
      ["voipbin", { apiKey: "k", fromNumber: "+15555550100" }, /apiSecret: required for voipbin/],
      ["twilio", RETELL, /provider/],
      ["simulator", RETELL, /provider/],
    ];
    for (const [provider, body, message] of cases) {
      const res = await call(`/api/v1/providers/${provider}`, { method: "PUT", key, json: body });
      expect(res.status, `${provider} ${JSON.stringify(body)}`).toBe(400);
      expectEnvelope(res.body, 400, `/api/v1/providers/${provider}`, "PUT", message);
    }
    expect((await call("/api/v1/providers", { key })).body.data).toEqual([]);
  });

  it("are documented in the OpenAPI document", async () => {
    const doc = await json(await api("/openapi.json"));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/providers", "/api/v1/providers/{provider}", "/api/v1/providers/{provider}/unmatched-webhooks", "/webhooks/{provider}/{token}"]),
    );
    expect(Object.keys(doc.paths["/api/v1/providers/{provider}"])).toEqual(expect.arrayContaining(["get", "put", "delete"]));
  });
});

describe("agents on vendors", () => {
  it("keep an ordered providers list; the first is the provider", async () => {
    const { apiKey: key } = await createTenant();
    const providers = [
      { provider: "livekit", agent: "reminder-agent" },
      { provider: "retell", agent: "agent_abc" },
    ];
    const agent = await createAgent(key, { provider: undefined, simulator: undefined, providers });
    expect(agent).toMatchObject({ provider: "livekit", providers });
    const patched = await call(`/api/v1/agents/${agent.id}`, { method: "PATCH", key, json: { providers: [{ provider: "retell", agent: "agent_abc" }] } });
    expect(patched.body).toMatchObject({ provider: "retell", providers: [{ provider: "retell", agent: "agent_abc" }] });
    const renamed = await call(`/api/v1/agents/${agent.id}`, { method: "PATCH", key, json: { name: "Renamed" } });
    expect(renamed.body.providers).toEqual([{ provider: "retell", agent: "agent_abc" }]);
  });

  it("reject provider lists that cannot work", async () => {
    const { apiKey: key } = await createTenant();
    const bad = [
      { name: "A", providers: [] },
      { name: "A", providers: [{ provider: "retell" }] },
      { name: "A", providers: [{ provider: "retell", agent: "a" }, { provider: "retell", agent: "b" }] },
      { name: "A", provider: "vocode", providers: [{ provider: "retell", agent: "a" }] },
      { name: "A", provider: "retell" },
      { name: "A", providers: [{ provider: "twilio", agent: "x" }] },
    ];
    for (const body of bad) {
      const res = await call("/api/v1/agents", { method: "POST", key, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("calls to a vendor the tenant has not configured are refused at creation", async () => {
    const { apiKey: key } = await createTenant();
    const patient = await createPatient(key);
    const agent = await createAgent(key, { provider: undefined, simulator: undefined, providers: [{ provider: "retell", agent: "agent_abc" }, { provider: "vocode", agent: "v" }] });
    await configureProvider(key, "retell", RETELL);
    const res = await call("/api/v1/calls", { method: "POST", key, json: { patients: [{ patientId: patient.patient_id }], agentId: agent.id } });
    expect(res.status).toBe(400);
    expectEnvelope(res.body, 400, "/api/v1/calls", "POST", "The agent runs on vocode, which this tenant has not configured: PUT /api/v1/providers/vocode first");
    expect((await call("/api/v1/calls", { key })).body.data).toEqual([]);
  });

  it("a LiveKit entry without an agent name needs one in the tenant's LiveKit options", async () => {
    const { apiKey: key } = await createTenant();
    const patient = await createPatient(key);
    const agent = await createAgent(key, { provider: undefined, simulator: undefined, providers: [{ provider: "livekit" }] });
    await configureProvider(key, "livekit", { ...LIVEKIT, options: { sipTrunkId: "ST_abc" } });
    const res = await call("/api/v1/calls", { method: "POST", key, json: { patients: [{ patientId: patient.patient_id }], agentId: agent.id } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/no agent, and the tenant's LiveKit options have no agentName/);
  });
});
