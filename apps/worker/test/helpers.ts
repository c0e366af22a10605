import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";

export const ADMIN = { Authorization: "Bearer test-admin-token" };

/** `headers` also takes object literals whose union type has optional keys (tsc with Node's fetch types). */
type ApiInit = Omit<RequestInit, "headers"> & { headers?: HeadersInit | Record<string, string | undefined>; key?: string; json?: unknown };

export async function api(path: string, init: ApiInit = {}): Promise<Response> {
  const headers = new Headers(init.headers as HeadersInit | undefined);
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

/** Status and parsed body in one go, for comparing whole responses. */
export async function call(path: string, init: Parameters<typeof api>[1] = {}) {
  const res = await api(path, init);
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers };
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

/**
 * An IANA zone where it is early afternoon now (an `Etc/GMT±N` zone, 13:00 give or take half an
 * hour): calls and texts through real vendors (the fakes) get the legal calling hours, 08:00-20:00
 * for a patient of unknown state, so patients who live there can be reached whatever the hour the
 * suite runs at. Tests of the hours themselves set their own zones and clocks.
 */
export function daytimeZone(now = Date.now()): string {
  const offset = 13 - new Date(now).getUTCHours();
  return offset === 0 ? "Etc/GMT" : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

export async function createPatient(key: string, overrides: Record<string, unknown> = {}) {
  const res = await api("/api/v1/patients", {
    method: "POST",
    key,
    json: { firstName: "Jane", lastName: "Doe", phoneNumber: uniquePhone(), birthDate: "1990-01-01", timezone: daytimeZone(), ...overrides },
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

export async function getEvents(key: string, callId: string): Promise<any[]> {
  const res = await api(`/api/v1/calls/${callId}/events`, { key });
  expect(res.status).toBe(200);
  return (await json(res)).data;
}

export async function listCalls(key: string, query = "") {
  const res = await api(`/api/v1/calls${query}`, { key });
  expect(res.status).toBe(200);
  return json(res);
}

export async function hangup(key: string, callId: string) {
  return call(`/api/v1/calls/${callId}`, { method: "DELETE", key });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `done` holds (or the deadline passes) and returns the last value read. */
export async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(everyMs);
    value = await read();
  }
  return value;
}

/** Polls until the call reaches `status` (the simulator moves calls on real alarms). */
export async function waitForStatus(key: string, callId: string, status: string, timeoutMs = 10_000) {
  const call = await poll(() => getCall(key, callId), (c) => c.status === status, timeoutMs);
  expect(call.status).toBe(status);
  return call;
}

/** Polls until the call has ended (completed, failed or canceled) in D1. */
export async function waitForEnd(key: string, callId: string, timeoutMs = 10_000) {
  const call = await poll(() => getCall(key, callId), (c) => ["completed", "failed", "canceled"].includes(c.status), timeoutMs);
  expect(["completed", "failed", "canceled"]).toContain(call.status);
  return call;
}

/** The call's Durable Object, addressed the way the worker addresses it. */
export function callStub(callId: string) {
  return env.CALLS.get(env.CALLS.idFromName(callId));
}

export function expectEnvelope(body: any, status: number, path: string, method: string, message?: string | RegExp) {
  expect(body).toEqual({
    success: false,
    error: {
      status,
      message: message === undefined ? expect.any(String) : typeof message === "string" ? message : expect.stringMatching(message),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      requestId: expect.stringMatching(/^req_/),
      path,
      method,
    },
  });
}

/**
 * A response with what legitimately differs between two requests taken out: the envelope's
 * timestamp and request id, and the ids named in the request (replaced by `<id>`).
 */
export function comparable(res: { status: number; body: any }, ids: string[]) {
  let text = JSON.stringify(res.body);
  for (const id of ids) text = text.split(id).join("<id>");
  const body = JSON.parse(text);
  if (body && typeof body === "object" && body.error && typeof body.error === "object") {
    delete body.error.timestamp;
    delete body.error.requestId;
  }
  return { status: res.status, body };
}

export const TERMINAL = ["completed", "failed", "canceled"];
