import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { optOut } from "../../src/consent/opt-outs";
import { createDb } from "../../src/lib/db";
import { ADMIN, api, json } from "./http";

/* Tenants and what a tenant sets up before it calls: patients, agents, settings. */

export async function createTenant(name = "Clinic") {
  const res = await api("/admin/tenants", { method: "POST", headers: ADMIN, json: { name } });
  expect(res.status).toBe(201);
  return json<{ id: string; name: string; apiKey: string; apiKeyId: string }>(res);
}

/** Changes a tenant as an operator does (limit, time zone, calling hours). */
export async function patchTenant(tenantId: string, body: Record<string, unknown>) {
  const res = await api(`/admin/tenants/${tenantId}`, { method: "PATCH", headers: ADMIN, json: body });
  expect(res.status).toBe(200);
  return json(res);
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

/**
 * An agent on the simulator. Its script lasts ten minutes: no call of it moves on the runtime's own
 * alarms during a test, only when the test plays it (`playCall` in objects.ts) or a provider reports.
 */
export async function createAgent(key: string, overrides: Record<string, unknown> = {}) {
  const res = await api("/api/v1/agents", {
    method: "POST",
    key,
    json: { name: "Reminder", provider: "simulator", greeting: "Hi!", simulator: { durationMs: 600_000 }, ...overrides },
  });
  expect(res.status).toBe(201);
  return json(res);
}

/** A tenant with one patient and one agent, ready to place calls. */
export async function setup(agentOverrides: Record<string, unknown> = {}) {
  const tenant = await createTenant();
  const patient = await createPatient(tenant.apiKey);
  const agent = await createAgent(tenant.apiKey, agentOverrides);
  return { tenant, key: tenant.apiKey, patient, agent };
}

/** Puts a number on the tenant's do-not-call list (the list SMS STOP also writes to). */
export async function addToDoNotCall(tenantId: string, phoneNumber: string) {
  await optOut(createDb(env.DB), { tenantId, phoneNumber, source: "test" });
}
