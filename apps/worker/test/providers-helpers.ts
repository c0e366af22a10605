import { SELF } from "cloudflare:test";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { api, createAgent, createPatient, createTenant, json, poll, getCall } from "./helpers";

/**
 * The network as the worker sees it in these tests: fake vendor servers (MSW handlers) and nothing
 * else. A request no fake handles fails the test that made it.
 */
export function fakeNetwork() {
  const server = setupServer();
  const unhandled: string[] = [];
  server.events.on("request:unhandled", ({ request }) => {
    unhandled.push(`${request.method} ${request.url}`);
  });
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => {
    server.resetHandlers();
    const seen = unhandled.splice(0);
    expect(seen, "requests no fake vendor handled").toEqual([]);
  });
  afterAll(() => server.close());
  return server;
}

/** Stores a tenant's credentials for a vendor; returns what the API answered (webhookUrl included). */
export async function configureProvider(key: string, provider: string, body: Record<string, unknown>) {
  const res = await api(`/api/v1/providers/${provider}`, { method: "PUT", key, json: body });
  const out = await json(res);
  expect(res.status, JSON.stringify(out)).toBe(200);
  return out as { webhookUrl: string; [k: string]: unknown };
}

/** A tenant with a patient and an agent on the given providers, with those vendors configured. */
export async function vendorSetup(
  providers: { provider: string; agent?: string }[],
  credentials: Record<string, Record<string, unknown>>,
  patientOverrides: Record<string, unknown> = {},
) {
  const tenant = await createTenant();
  const key = tenant.apiKey;
  const webhooks: Record<string, string> = {};
  for (const [provider, body] of Object.entries(credentials)) {
    webhooks[provider] = (await configureProvider(key, provider, body)).webhookUrl;
  }
  const patient = await createPatient(key, patientOverrides);
  const agent = await createAgent(key, { provider: undefined, simulator: undefined, providers, maxDurationSeconds: 600 });
  return { tenant, key, patient, agent, webhooks };
}

/** Posts a webhook to the worker as the vendor would. */
export async function postWebhook(url: string, body: string, headers: Record<string, string>) {
  const res = await SELF.fetch(url, { method: "POST", body, headers });
  return { status: res.status, body: (await res.json()) as any };
}

export async function waitForCall(key: string, callId: string, done: (call: any) => boolean, timeoutMs = 5_000) {
  return poll(() => getCall(key, callId), done, timeoutMs);
}

/** The history's entries of one type, in order. */
export function eventsOf(events: any[], type: string) {
  return events.filter((e) => e.type === type);
}

/** The call's status walk, from the history: `[created, initiating, dialing, ...]`. */
export function statusWalk(events: any[]): string[] {
  return events.filter((e) => e.to_status).map((e) => e.to_status);
}
