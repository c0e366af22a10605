import { SELF } from "cloudflare:test";
import { expect } from "vitest";

export const ADMIN = { Authorization: "Bearer test-admin-token" };

export async function api(path: string, init: RequestInit & { key?: string; json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("X-API-Key", init.key);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  return SELF.fetch(`https://switchboard.test${path}`, { ...init, headers, body });
}

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export async function createTenant(name = "Clinic") {
  const res = await api("/admin/tenants", { method: "POST", headers: ADMIN, json: { name } });
  expect(res.status).toBe(201);
  return json<{ id: string; name: string; apiKey: string; apiKeyId: string }>(res);
}

let phoneCounter = 1000;
export function uniquePhone(): string {
  phoneCounter += 1;
  return `+1555555${String(phoneCounter).padStart(4, "0")}`;
}

export async function createPatient(key: string, overrides: Record<string, unknown> = {}) {
  const res = await api("/api/v1/patients", {
    method: "POST",
    key,
    json: { firstName: "Jane", lastName: "Doe", phoneNumber: uniquePhone(), birthDate: "1990-01-01", timezone: "America/Chicago", ...overrides },
  });
  expect(res.status).toBe(201);
  return json(res);
}

/** An agent on the simulator; `durationMs` long enough that tests control when calls move. */
export async function createAgent(key: string, overrides: Record<string, unknown> = {}) {
  const res = await api("/api/v1/agents", {
    method: "POST",
    key,
    json: { name: "Reminder", provider: "simulator", greeting: "Hi!", simulator: { durationMs: 600_000 }, ...overrides },
  });
  expect(res.status).toBe(201);
  return json(res);
}

export async function createCalls(key: string, body: Record<string, unknown>) {
  return api("/api/v1/calls", { method: "POST", key, json: body });
}

/** A tenant with one patient and one agent, ready to place calls. */
export async function setup(agentOverrides: Record<string, unknown> = {}) {
  const tenant = await createTenant();
  const patient = await createPatient(tenant.apiKey);
  const agent = await createAgent(tenant.apiKey, agentOverrides);
  return { tenant, key: tenant.apiKey, patient, agent };
}

export async function placeCall(key: string, patientId: string, agentId: string, extra: Record<string, unknown> = {}) {
  const res = await createCalls(key, { patients: [{ patientId }], agentId, ...extra });
  expect(res.status).toBe(201);
  const body = await json(res);
  return body.calls[0].callId as string;
}

export async function getCall(key: string, callId: string) {
  const res = await api(`/api/v1/calls/${callId}`, { key });
  expect(res.status).toBe(200);
  return json(res);
}

/** Polls until the call reaches `status` (the simulator moves calls on real alarms). */
export async function waitForStatus(key: string, callId: string, status: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let call = await getCall(key, callId);
  while (call.status !== status && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    call = await getCall(key, callId);
  }
  expect(call.status).toBe(status);
  return call;
}

export function expectEnvelope(body: any, status: number, path: string, method: string) {
  expect(body).toEqual({
    success: false,
    error: {
      status,
      message: expect.any(String),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      requestId: expect.stringMatching(/^req_/),
      path,
      method,
    },
  });
}
