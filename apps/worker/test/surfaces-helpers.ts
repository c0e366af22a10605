import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { optOut } from "../src/consent/opt-outs";
import { createDb } from "../src/lib/db";
import { call, callStub, poll, TERMINAL } from "./helpers";

/** A Vocode client: `Authorization: Bearer <key>`, as Vocode's SDKs send it. */
export function vocode(path: string, key: string | null, init: { method?: string; json?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (key) headers.Authorization = `Bearer ${key}`;
  return call(path, { method: init.method ?? "GET", headers, ...(init.json === undefined ? {} : { json: init.json }) });
}

/** A VoIPbin client: the key where VoIPbin clients put their access key, `?accesskey=`. */
export function voipbin(path: string, key: string | null, init: { method?: string; json?: unknown } = {}) {
  const url = key ? `${path}${path.includes("?") ? "&" : "?"}accesskey=${encodeURIComponent(key)}` : path;
  return call(url, { method: init.method ?? "GET", ...(init.json === undefined ? {} : { json: init.json }) });
}

export async function vocodeCreate(key: string, body: Record<string, unknown>) {
  const res = await vocode("/v1/calls/create", key, { method: "POST", json: { from_number: "+15550001111", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

export async function vocodeGet(key: string, id: string) {
  const res = await vocode(`/v1/calls?id=${id}`, key);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

export async function aicallGet(key: string, id: string) {
  const res = await voipbin(`/v1.0/aicalls/${id}`, key);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Puts a number on the tenant's do-not-call list (the list SMS STOP also writes to). */
export async function addToDoNotCall(tenantId: string, phoneNumber: string) {
  await optOut(createDb(env.DB), { tenantId, phoneNumber, source: "test" });
}

/** The call's row in D1, as stored. */
export async function callRow(callId: string) {
  return env.DB.prepare("SELECT * FROM calls WHERE id = ?").bind(callId).first<Record<string, unknown>>();
}

/** Polls D1 until the call has ended. */
export async function waitForRowEnd(callId: string, timeoutMs = 10_000) {
  const row = await poll(() => callRow(callId), (r) => TERMINAL.includes(String(r?.status)), timeoutMs);
  expect(TERMINAL).toContain(row?.status);
  return row!;
}

/** Moves a call as its provider would (a webhook): straight into the call's object. */
export async function providerReports(callId: string, event: Parameters<ReturnType<typeof callStub>["applyProviderEvent"]>[0]) {
  expect(await callStub(callId).applyProviderEvent(event)).toBe(true);
}

export const NIL_UUID = "00000000-0000-0000-0000-000000000000";
export const NOT_YET = "9999-01-01 00:00:00.000000";
/** VoIPbin's timestamp format. */
export const VOIPBIN_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/;
