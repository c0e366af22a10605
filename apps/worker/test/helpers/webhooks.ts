import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { api, json } from "./http";
import { runSenderAlarm, senderStub } from "./objects";

/* A tenant's customer webhook endpoints (fakes/customer-endpoints.ts answers at their URLs) and their deliveries. */

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
 * the file's tests are done (a sender that wakes to a disabled endpoint just stops).
 */
export async function quiesceEndpoints() {
  const ids = [...registered];
  registered.clear();
  for (const id of ids) {
    await env.DB.prepare(`UPDATE webhook_endpoints SET enabled = 0 WHERE id = ?`).bind(id).run();
    await runInDurableObject(senderStub(id), (_instance, state) => state.storage.deleteAlarm());
  }
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

export async function getEndpointWire(key: string, endpointId: string) {
  const res = await api(`/api/v1/webhook-endpoints/${endpointId}`, { key });
  expect(res.status).toBe(200);
  return json(res);
}

/**
 * Delivers what is due to the endpoint now: runs its sender's alarm (runSenderAlarm) until none of
 * its deliveries is due any more (a run takes 25), at most `maxRuns` times. Returns its deliveries.
 */
export async function deliverNow(endpointId: string, maxRuns = 20): Promise<DeliveryRow[]> {
  for (let run = 0; ; run++) {
    const rows = await deliveriesOf(endpointId);
    const due = rows.some((d) => d.status === "pending" && d.next_attempt_at !== null && d.next_attempt_at <= Date.now());
    if (!due || run === maxRuns) return rows;
    await runSenderAlarm(endpointId);
  }
}
