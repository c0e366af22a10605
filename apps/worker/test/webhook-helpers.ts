import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { http, HttpResponse, type DefaultBodyType, type StrictRequest } from "msw";
import { setupServer } from "msw/node";
import { expect } from "vitest";
import { api, json, poll } from "./helpers";

/** One request a fake customer endpoint received, exactly as sent. */
export interface Received {
  name: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

type Behaviour = (request: StrictRequest<DefaultBodyType>) => Response | Promise<Response>;

/**
 * Fake customer endpoints at https://hooks.test/<name>: each records every request it gets and
 * answers as its test tells it (204 by default). Anything else the worker fetches is an error.
 */
export function customerEndpoints() {
  const received: Received[] = [];
  const behaviours = new Map<string, Behaviour>();
  const server = setupServer(
    http.post("https://hooks.test/:name", async ({ request, params }) => {
      const name = String(params.name);
      received.push({ name, headers: Object.fromEntries(request.headers), body: await request.text(), at: Date.now() });
      const behave = behaviours.get(name);
      return behave ? behave(request) : new HttpResponse(null, { status: 204 });
    }),
  );
  return {
    server,
    received,
    /** A fresh endpoint name and its URL, answering with `behave`. */
    endpoint(behave?: Behaviour) {
      const name = crypto.randomUUID();
      if (behave) behaviours.set(name, behave);
      return { name, url: `https://hooks.test/${name}` };
    },
    respond(name: string, behave: Behaviour) {
      behaviours.set(name, behave);
    },
    to(name: string) {
      return received.filter((r) => r.name === name);
    },
  };
}

const registered = new Set<string>();

export async function registerEndpoint(key: string, body: Record<string, unknown>) {
  const res = await api("/api/v1/webhook-endpoints", { method: "POST", key, json: body });
  expect(res.status).toBe(201);
  const endpoint = await json<{ id: string; secret: string; url: string; enabled: boolean }>(res);
  registered.add(endpoint.id);
  return endpoint;
}

/**
 * Disables every endpoint this file registered, so no retry alarm reaches for the network once
 * the fake endpoints are gone (a sender that wakes to a disabled endpoint just stops).
 */
export async function quiesceEndpoints() {
  const ids = [...registered];
  registered.clear();
  for (const id of ids) {
    await env.DB.prepare(`UPDATE webhook_endpoints SET enabled = 0 WHERE id = ?`).bind(id).run();
    await runInDurableObject(senderStub(id), (_instance, state) => state.storage.deleteAlarm());
  }
}

export function senderStub(endpointId: string) {
  return env.WEBHOOKS.get(env.WEBHOOKS.idFromName(endpointId));
}

export async function senderAlarm(endpointId: string): Promise<number | null> {
  return runInDurableObject(senderStub(endpointId), (_instance, state) => state.storage.getAlarm());
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  retry_step: number;
  next_attempt_at: number | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
}

/** The endpoint's deliveries straight from D1 (times as epoch ms, for arithmetic). */
export async function deliveriesOf(endpointId: string): Promise<DeliveryRow[]> {
  const rows = await env.DB.prepare(`SELECT * FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY created_at, id`).bind(endpointId).all<DeliveryRow>();
  return rows.results;
}

/** Polls until the endpoint's only delivery satisfies `done`. */
export async function waitForDelivery(endpointId: string, done: (d: DeliveryRow) => boolean, timeoutMs = 10_000): Promise<DeliveryRow> {
  const rows = await poll(() => deliveriesOf(endpointId), (r) => r.length > 0 && done(r[0]!), timeoutMs);
  expect(rows.length).toBeGreaterThan(0);
  expect(done(rows[0]!)).toBe(true);
  return rows[0]!;
}

export async function getEndpointWire(key: string, endpointId: string) {
  const res = await api(`/api/v1/webhook-endpoints/${endpointId}`, { key });
  expect(res.status).toBe(200);
  return json(res);
}
