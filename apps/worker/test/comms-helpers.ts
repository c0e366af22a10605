import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
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

/** Inserts an agent straight into D1 (providers other than the simulator do not validate through the API yet). */
export async function insertAgent(tenantId: string, agent: { provider: string; assistantType: string; providers?: unknown; name?: string; updatedAt?: number }) {
  const id = crypto.randomUUID();
  const now = agent.updatedAt ?? Date.now();
  const settings: Record<string, unknown> = { assistantType: agent.assistantType, greeting: "Hi!", language: "en-US", maxDurationSeconds: 900, simulator: { durationMs: 600_000 } };
  if (agent.providers !== undefined) settings.providers = agent.providers;
  await env.DB.prepare("INSERT INTO agents (id, tenant_id, name, provider, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .bind(id, tenantId, agent.name ?? `${agent.assistantType} agent`, agent.provider, JSON.stringify(settings), now, now)
    .run();
  return id;
}

/** Tiny files whose first bytes are what they claim. */
export const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 1, 2, 3, 4]);
export const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]);
export const PDF = new TextEncoder().encode("%PDF-1.4\n%fake but well-started pdf\n");

export const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
