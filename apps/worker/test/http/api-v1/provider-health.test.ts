import { env } from "cloudflare:workers";
import { HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { providerHealth } from "../../../src/calls/provider-health";
import { fakeRetell, retellStarted } from "../../fakes/retell";
import { fakeVocode } from "../../fakes/vocode";
import { api, expectEnvelope, json, postWebhook } from "../../helpers/http";
import { createPatient, createTenant } from "../../helpers/tenants";
import { placeCall } from "../../helpers/calls";
import { configureProvider, vendorSetup } from "../../helpers/vendors";
import { server } from "../../network";
import { waitForCall } from "../../helpers/wait";

const RETELL_KEY = "key_health_retell_0123456789abcd";
const VOCODE_KEY = "vocode_health_0123456789";
const retell = fakeRetell(RETELL_KEY, { post: postWebhook });
const vocode = fakeVocode(VOCODE_KEY, { post: postWebhook });
beforeEach(() => server.use(...retell.handlers, ...vocode.handlers));

/** An answered call whose last attempt was dialing `ringMs` before pickup, written straight to D1. */
async function answeredCall(tenantId: string, provider: string, answeredAt: number, ringMs: number) {
  const id = crypto.randomUUID();
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO calls (id, tenant_id, agent_id, phone_number, status, outcome, provider, recording, created_at, started_at, answered_at, ended_at, updated_at)
       VALUES (?, ?, ?, '+15555550000', 'completed', 'human', ?, 1, ?, ?, ?, ?, ?)`,
    ).bind(id, tenantId, crypto.randomUUID(), provider, answeredAt - 60_000, answeredAt - 60_000, answeredAt, answeredAt + 30_000, answeredAt),
    // An earlier attempt's dialing must not count: only the last one before pickup.
    env.DB.prepare("INSERT INTO call_events (call_id, tenant_id, seq, type, from_status, to_status, at) VALUES (?, ?, 1, 'transition', 'initiating', 'dialing', ?)").bind(id, tenantId, answeredAt - 50_000),
    env.DB.prepare("INSERT INTO call_events (call_id, tenant_id, seq, type, from_status, to_status, at) VALUES (?, ?, 2, 'transition', 'initiating', 'dialing', ?)").bind(id, tenantId, answeredAt - ringMs),
    env.DB.prepare("INSERT INTO call_events (call_id, tenant_id, seq, type, from_status, to_status, at) VALUES (?, ?, 3, 'transition', 'dialing', 'in-progress', ?)").bind(id, tenantId, answeredAt),
  ]);
}

async function providerEvent(tenantId: string, type: string, detail: Record<string, unknown>, at: number) {
  await env.DB.prepare("INSERT INTO call_events (call_id, tenant_id, seq, type, detail, at) VALUES (?, ?, 1, ?, ?, ?)")
    .bind(crypto.randomUUID(), tenantId, type, JSON.stringify(detail), at)
    .run();
}

describe("provider health", () => {
  it("takes the median time from the last dialing to pickup, per provider, over the period only", async () => {
    const tenant = await createTenant();
    const now = Date.now();
    for (const ring of [2000, 10_000, 4000]) await answeredCall(tenant.id, "retell", now - 3_600_000, ring);
    for (const ring of [6000, 2000, 10_000, 4000]) await answeredCall(tenant.id, "simulator", now - 60_000, ring);
    await answeredCall(tenant.id, "retell", now - 30 * 3_600_000, 1000); // before the period
    await providerEvent(tenant.id, "provider.attempt", { provider: "retell", attempt: 1 }, now - 1000);
    await providerEvent(tenant.id, "provider.refused", { provider: "retell", attempt: 1, reason: "HTTP 503" }, now - 1000);
    await providerEvent(tenant.id, "provider.failover", { from: "retell", to: "vocode", reason: "HTTP 503" }, now - 1000);
    await providerEvent(tenant.id, "provider.placed", { provider: "retell" }, now - 40 * 3_600_000); // before the period

    const health = await providerHealth(env.DB, tenant.id, now - 24 * 3_600_000);
    expect(health).toEqual([
      { provider: "simulator", attempts: 0, placements: 0, failures: 0, failovers: 0, answered: 4, medianTimeToAnswerSeconds: 5 },
      { provider: "retell", attempts: 1, placements: 0, failures: 1, failovers: 1, answered: 3, medianTimeToAnswerSeconds: 4 },
    ]);
    // A longer period takes in the older ones.
    const week = await providerHealth(env.DB, tenant.id, now - 168 * 3_600_000);
    expect(week.find((p) => p.provider === "retell")).toMatchObject({ placements: 1, answered: 4, medianTimeToAnswerSeconds: 3 });
  });

  it("counts placements, refusals and failovers from real placements, and lists configured vendors even when idle", async () => {
    const { tenant, key, patient, agent, webhooks } = await vendorSetup(
      [{ provider: "retell", agent: "agent_primary" }, { provider: "vocode", agent: "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9" }],
      { retell: { apiKey: RETELL_KEY, fromNumber: "+14155550100" }, vocode: { apiKey: VOCODE_KEY, fromNumber: "+14155550101" } },
    );
    await configureProvider(key, "voipbin", { apiKey: "voipbin-access-key", apiSecret: "whsecret", fromNumber: "+14155550102" });
    retell.failNextCreate(() => HttpResponse.json({ error_message: "internal" }, { status: 503 }));
    await placeCall(key, patient.patient_id, agent.id); // retell refuses, vocode takes it
    // Another patient: the contact policy's daily cap would hold a second call to the first one.
    const another = await createPatient(key);
    const second = await placeCall(key, another.patient_id, agent.id); // retell takes it
    await retell.send(webhooks.retell!, "call_started", retellStarted(retell.callFor(second)));
    await waitForCall(key, second, (c) => c.status === "in-progress");

    const res = await api("/api/v1/providers/health", { key });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(Date.parse(body.until) - Date.parse(body.since)).toBe(24 * 3_600_000);
    const by = Object.fromEntries(body.data.map((p: any) => [p.provider, p]));
    expect(Object.keys(by)).toEqual(["retell", "vocode", "voipbin"]);
    expect(by.retell).toMatchObject({ attempts: 2, placements: 1, failures: 1, failovers: 1, answered: 1, medianTimeToAnswerSeconds: expect.any(Number) });
    expect(by.vocode).toMatchObject({ attempts: 1, placements: 1, failures: 0, failovers: 0, answered: 0, medianTimeToAnswerSeconds: null });
    expect(by.voipbin).toEqual({ provider: "voipbin", attempts: 0, placements: 0, failures: 0, failovers: 0, answered: 0, medianTimeToAnswerSeconds: null });

    // Another tenant sees none of it.
    const other = await createTenant();
    expect((await json(await api("/api/v1/providers/health", { key: other.apiKey }))).data).toEqual([]);
    void tenant;
  });

  it.each(["0", "169", "1.5", "day"])("refuses hours=%s with a 400", async (hours) => {
    const tenant = await createTenant();
    const res = await api(`/api/v1/providers/health?hours=${hours}`, { key: tenant.apiKey });
    expect(res.status).toBe(400);
    expectEnvelope(await res.json(), 400, "/api/v1/providers/health", "GET", /hours must be an integer between 1 and 168/);
  });
});
