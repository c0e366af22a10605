import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import twilio from "twilio";
import { expect } from "vitest";
import { AUTH_TOKEN } from "../fakes/twilio";
import type { Posted } from "../fakes/vendor";
import { runDispatcherAlarm } from "./objects";

/*
 * Requests to the worker, as each kind of client makes them. Nothing here sets anything up: see
 * tenants.ts, vendors.ts, messaging.ts and webhooks.ts for that.
 */

export const BASE = "https://switchboard.test";
export const ADMIN = { Authorization: "Bearer test-admin-token" };

/**
 * `headers` also takes object literals whose union type has optional keys (tsc with Node's fetch types).
 * `starts: false`: answer as the worker does, before the dispatcher's alarm starts the calls it gave lines.
 */
type ApiInit = Omit<RequestInit, "headers"> & { headers?: HeadersInit | Record<string, string | undefined>; key?: string; json?: unknown; starts?: false };

/**
 * A request as an /api/v1 client sends it (`key` goes in X-API-Key). POST /api/v1/calls answers once
 * lines are granted, and the tenant dispatcher's alarm starts those calls moments later: that alarm
 * is run here before returning (`startsAfterCreate`), so what follows in a test reads the calls as a
 * client would a moment after the answer.
 */
export async function api(path: string, init: ApiInit = {}): Promise<Response> {
  const headers = new Headers(init.headers as HeadersInit | undefined);
  if (init.key) headers.set("X-API-Key", init.key);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  const { starts, ...request } = init;
  const res = await SELF.fetch(`${BASE}${path}`, { ...request, headers, body });
  if (starts !== false && res.status === 201 && (init.method ?? "GET").toUpperCase() === "POST" && path.split("?")[0] === "/api/v1/calls") {
    await startsAfterCreate(res.clone());
  }
  return res;
}

/** Runs the alarm of the dispatcher of the tenant whose batch `res` created (it makes the starts of the calls given lines). */
async function startsAfterCreate(res: Response) {
  const { batchId } = (await res.json()) as { batchId?: string };
  if (!batchId) return;
  for (const d1 of [env.DB, env.DB_1!]) {
    const row = await d1.prepare("SELECT tenant_id FROM campaigns WHERE id = ?").bind(batchId).first<{ tenant_id: string }>();
    if (row) return runDispatcherAlarm(row.tenant_id);
  }
}

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** Status and parsed body in one go, for comparing whole responses. */
export async function call(path: string, init: Parameters<typeof api>[1] = {}) {
  return read(await api(path, init));
}

async function read(res: Response) {
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers };
}

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
  return read(await SELF.fetch(`${BASE}${path}`, { method: init.method ?? (body ? "POST" : "GET"), headers, body }));
}

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

/** Posts a webhook to the worker as a voice vendor would (the fake vendors' `post`). */
export async function postWebhook(url: string, body: string, headers: Record<string, string>): Promise<Posted> {
  const res = await SELF.fetch(url, { method: "POST", body, headers });
  return { status: res.status, body: (await res.json()) as any };
}

/** Posts a webhook as Twilio does: form-encoded, signed by Twilio's own library (twilio npm). */
export async function postSigned(path: string, params: Record<string, string>, options: { token?: string; signature?: string; url?: string } = {}) {
  const url = options.url ?? `${BASE}${path}`;
  const signature = options.signature ?? twilio.getExpectedTwilioSignature(options.token ?? AUTH_TOKEN, url, params);
  const res = await SELF.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

export function statusCallbackPath(tenantId: string, messageId: string) {
  return `/webhooks/twilio/${tenantId}/messages/${messageId}/status`;
}

/** The /api/v1 error envelope. */
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

/** Shapes of values in answers. */
export const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const NIL_UUID = "00000000-0000-0000-0000-000000000000";
export const NOT_YET = "9999-01-01 00:00:00.000000";
/** VoIPbin's timestamp format. */
export const VOIPBIN_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/;

/**
 * GETs `path` with `key` until a 429 (at most `max` requests): how many went through first, the
 * refusal, and how long it took. A budget of `burst` refilled at `perSecond` lets through `burst`
 * plus what the elapsed time refilled: assert against that, not an exact list (a slow machine
 * refills between requests).
 */
export async function requestsUntilRefused(path: string, key: string, max = 10) {
  const started = Date.now();
  let through = 0;
  for (let i = 0; i < max; i++) {
    const res = await call(path, { key });
    if (res.status === 429) return { through, refused: res, seconds: (Date.now() - started) / 1000 };
    expect(res.status).toBe(200);
    through++;
  }
  throw new Error(`no 429 after ${max} requests`);
}
