import { expect } from "vitest";
import { placeCall } from "./calls";
import { api, json } from "./http";
import { createAgent, createPatient, createTenant } from "./tenants";

/* A tenant's accounts on voice vendors (the fakes of test/fakes answer for them). */

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

/**
 * One call placed through /api/v1 on one vendor: a tenant with its account there, a patient, and an
 * agent naming the vendor's agent `agent`. Returns the setup, the call id and the tenant's webhook URL.
 */
export async function placeOnVendor(provider: string, agent: string, account: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const setup = await vendorSetup([{ provider, agent }], { [provider]: account });
  const callId = await placeCall(setup.key, setup.patient.patient_id, setup.agent.id, extra);
  return { ...setup, callId, url: setup.webhooks[provider]! };
}

/** Test accounts on the fake vendors, as /comms tenants store them with PUT /api/v1/providers/{provider}. */
export const RETELL_KEY = "key_comms0a1b2c3d4e5f60718293a4b5c6d7";
export const LIVEKIT = { apiKey: "APIcomms7Hk2mNw", apiSecret: "c0mmsL1v3K1tS3cr3tF0rT3st1ngOnly4242", base: "https://comms-test.livekit.cloud" };
export const VENDOR_CREDENTIALS = {
  retell: { apiKey: RETELL_KEY, fromNumber: "+14155550123" },
  livekit: { apiKey: LIVEKIT.apiKey, apiSecret: LIVEKIT.apiSecret, baseUrl: LIVEKIT.base, fromNumber: "+15555550100", options: { sipTrunkId: "ST_comms" } },
} as const;
export type CommsVendor = keyof typeof VENDOR_CREDENTIALS;

/** The vendor's agent each test agent names on it. */
export const REMOTE_AGENTS: Record<CommsVendor, string> = { livekit: "reminder-agent", retell: "agent_comms" };

/** An agent for an assistant type, created through the agents API on the given vendors (in order). */
export async function createAssistantAgent(key: string, assistantType: string, vendors: CommsVendor[] = ["livekit"]) {
  const res = await api("/api/v1/agents", {
    method: "POST",
    key,
    json: { name: `${assistantType} agent`, assistantType, greeting: "Hi!", providers: vendors.map((provider) => ({ provider, agent: REMOTE_AGENTS[provider] })) },
  });
  expect(res.status).toBe(201);
  return json(res);
}
