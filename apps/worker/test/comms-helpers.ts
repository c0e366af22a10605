import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { createPatient, createTenant, json } from "./helpers";

export const BASE = "https://switchboard.test";

/** A /comms request as the platform's clients send it: API-KEY and TENANT headers. */
export async function comms(
  path: string,
  init: { method?: string; key: string; tenant?: string | null; json?: unknown; form?: FormData; headers?: Record<string, string> },
) {
  const headers = new Headers(init.headers);
  headers.set("API-KEY", init.key);
  if (init.tenant !== null && init.tenant !== undefined) headers.set("TENANT", init.tenant);
  let body: BodyInit | undefined;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  } else if (init.form) {
    body = init.form;
  }
  const res = await SELF.fetch(`${BASE}${path}`, { method: init.method ?? (body ? "POST" : "GET"), headers, body });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A tenant with a patient and a staff user, ready to text. */
export async function commsSetup(patientOverrides: Record<string, unknown> = {}) {
  const tenant = await createTenant();
  const key = tenant.apiKey;
  const patient = await createPatient(key, patientOverrides);
  const user = await createStaffUser(key);
  const chat = await chatFor(key, patient.patient_id);
  return { tenant, tenantId: tenant.id, key, patient, user, chat };
}

export async function createStaffUser(key: string, overrides: Record<string, unknown> = {}) {
  const res = await SELF.fetch(`${BASE}/api/v1/users`, {
    method: "POST",
    headers: { "X-API-Key": key, "Content-Type": "application/json" },
    body: JSON.stringify({ firstName: "Dana", lastName: "Nurse", ...overrides }),
  });
  expect(res.status).toBe(201);
  return json(res);
}

export async function chatFor(key: string, patientId: string) {
  const res = await SELF.fetch(`${BASE}/api/v1/chats`, {
    method: "POST",
    headers: { "X-API-Key": key, "Content-Type": "application/json" },
    body: JSON.stringify({ patientId }),
  });
  expect([200, 201]).toContain(res.status);
  return json(res);
}

export async function setMessaging(key: string, body: unknown) {
  const res = await SELF.fetch(`${BASE}/api/v1/messaging/settings`, {
    method: "PUT",
    headers: { "X-API-Key": key, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await json(res) };
}

/** The multipart form of send-message. */
export function messageForm(fields: Record<string, string | undefined>, files: File[] = [], fileField = "files"): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, value);
  for (const file of files) form.append(fileField, file);
  return form;
}

export async function sendMessage(key: string, tenant: string, fields: Record<string, string | undefined>, files: File[] = []) {
  return comms("/comms/chat/send-message", { method: "POST", key, tenant, form: messageForm(fields, files) });
}

export async function listMessages(key: string, chatId: string, query = "") {
  const res = await SELF.fetch(`${BASE}/api/v1/chats/${chatId}/messages${query}`, { headers: { "X-API-Key": key } });
  expect(res.status).toBe(200);
  return json(res);
}

/** Test accounts on the fake vendors (test/fakes): what a tenant stores with PUT /api/v1/providers/{provider}. */
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
  const res = await SELF.fetch(`${BASE}/api/v1/agents`, {
    method: "POST",
    headers: { "X-API-Key": key, "Content-Type": "application/json" },
    body: JSON.stringify({ name: `${assistantType} agent`, assistantType, greeting: "Hi!", providers: vendors.map((provider) => ({ provider, agent: REMOTE_AGENTS[provider] })) }),
  });
  expect(res.status).toBe(201);
  return json(res);
}

/** Tiny files whose first bytes are what they claim. */
export const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 1, 2, 3, 4]);
export const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]);
export const PDF = new TextEncoder().encode("%PDF-1.4\n%fake but well-started pdf\n");

export const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
