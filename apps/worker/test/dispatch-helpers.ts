import { createExecutionContext, createScheduledController, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import cron from "../../cron/src/index";
import type { CallStatus } from "@switchboard/schemas";
import type { CallObject } from "../src/objects/call/call-object";
import type { TenantDispatcher } from "../src/objects/dispatcher/tenant-dispatcher";
import { ADMIN, api, callStub, createCalls, json, poll } from "./helpers";

export function dispatcher(tenantId: string) {
  return env.DISPATCHERS.get(env.DISPATCHERS.idFromName(tenantId));
}

export async function inspect(tenantId: string) {
  return dispatcher(tenantId).inspect();
}

export async function patchTenant(tenantId: string, body: Record<string, unknown>) {
  const res = await api(`/admin/tenants/${tenantId}`, { method: "PATCH", headers: ADMIN, json: body });
  expect(res.status).toBe(200);
  return json(res);
}

/**
 * Waits until the dispatcher holds the call as waiting for `attempt`: the call's own status is
 * written first, and the line comes back right after (a call effect).
 */
export async function waitForWaiting(tenantId: string, callId: string, attempt: number) {
  const state = await poll(() => inspect(tenantId), (s) => s.waiting.some((e) => e.call_id === callId && e.attempt === attempt));
  const entry = state.waiting.find((e) => e.call_id === callId && e.attempt === attempt);
  expect(entry, `${callId} waiting for attempt ${attempt}`).toBeDefined();
  return entry!;
}

/** Runs the dispatcher's alarm work as if the clock read `now`. */
export async function tickDispatcher(tenantId: string, now: number) {
  await runInDurableObject(dispatcher(tenantId), (instance: TenantDispatcher) => instance.tick(now));
}

/** Runs the call object's alarm work as if the clock read `now`. */
export async function tickCall(callId: string, now: number) {
  await runInDurableObject(callStub(callId), (instance: CallObject) => instance.tick(now));
}

/**
 * Fires apps/cron's `scheduled()` handler with a controlled `scheduledTime`; its `API` binding is
 * this worker's own `Internal` entrypoint, as the service binding is in production.
 */
export async function fireCron(scheduledTime: number) {
  const controller = createScheduledController({ scheduledTime, cron: "* * * * *" });
  const ctx = createExecutionContext();
  // `exports` holds loopback bindings to this worker's entrypoints (ctx.exports).
  const api = (exports as unknown as Record<string, unknown>).Internal;
  await cron.scheduled(controller, { API: api as never }, ctx);
  await waitOnExecutionContext(ctx);
}

/** Creates a batch through the API and returns the response body. */
export async function createBatch(key: string, body: Record<string, unknown>) {
  const res = await createCalls(key, body);
  const parsed = await json(res);
  expect(res.status, JSON.stringify(parsed)).toBe(201);
  return parsed as { batchId: string; totalQueued: number; totalInitiated: number; calls: { callId: string; status: string }[] };
}

export async function campaign(key: string, batchId: string) {
  const res = await api(`/api/v1/calls/campaigns/${batchId}`, { key });
  expect(res.status).toBe(200);
  return (await json(res)).campaign as { status: string; scheduledAt: string | null; progress: { total: number; byStatus: Record<CallStatus, number> } };
}

/** Polls the campaign until `done` holds for its per-status counts. */
export async function waitForProgress(key: string, batchId: string, done: (byStatus: Record<CallStatus, number>) => boolean, timeoutMs = 15_000) {
  const result = await poll(() => campaign(key, batchId), (c) => done(c.progress.byStatus), timeoutMs);
  expect(done(result.progress.byStatus), JSON.stringify(result.progress.byStatus)).toBe(true);
  return result;
}

/** A call's history straight from D1 (any tenant). */
export async function historyOf(callId: string) {
  const rows = await env.DB.prepare("SELECT seq, type, from_status, to_status, detail, at FROM call_events WHERE call_id = ? ORDER BY seq")
    .bind(callId)
    .all<{ seq: number; type: string; from_status: string | null; to_status: string | null; detail: string | null; at: number }>();
  return rows.results.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null }));
}

/** How many times each call was handed to its provider, from the history in D1. */
export async function dialsPerCall(callIds: string[]): Promise<Map<string, number>> {
  const counts = new Map(callIds.map((id) => [id, 0]));
  for (let i = 0; i < callIds.length; i += 90) {
    const part = callIds.slice(i, i + 90);
    const rows = await env.DB.prepare(
      `SELECT call_id, count(*) AS n FROM call_events WHERE type = 'provider.placed' AND call_id IN (${part.map(() => "?").join(",")}) GROUP BY call_id`,
    )
      .bind(...part)
      .all<{ call_id: string; n: number }>();
    for (const row of rows.results) counts.set(row.call_id, row.n);
  }
  return counts;
}

/** Patients straight into D1 (for large campaigns), all with the given time zone. */
export async function insertPatients(tenantId: string, count: number, timezone: string | null = "America/Chicago"): Promise<string[]> {
  const now = Date.now();
  const ids = Array.from({ length: count }, () => crypto.randomUUID());
  for (let i = 0; i < ids.length; i += 2000) {
    const rows = ids.slice(i, i + 2000).map((id, j) => ({ id, phone: `+1555${String(2_000_000 + i + j).padStart(7, "0")}` }));
    await env.DB.prepare(
      `INSERT INTO patients (id, tenant_id, first_name, last_name, phone_number, timezone, created_at, updated_at)
       SELECT json_extract(value, '$.id'), ?1, 'Pat', 'Ient', json_extract(value, '$.phone'), ?2, ?3, ?3 FROM json_each(?4)`,
    )
      .bind(tenantId, timezone, now, JSON.stringify(rows))
      .run();
  }
  return ids;
}

/**
 * A scheduled campaign written straight into D1, as `POST /api/v1/calls` writes one (campaign,
 * calls `scheduled`, a `created` event each): the API takes 1,000 patients per request, and the
 * release must not care how big a campaign is.
 */
export async function insertScheduledCampaign(tenantId: string, agentId: string, patientIds: string[], scheduledAt: number) {
  const now = Date.now();
  const batchId = crypto.randomUUID();
  await env.DB.prepare(
    `INSERT INTO campaigns (id, tenant_id, agent_id, name, recording, scheduled_at, status, created_at) VALUES (?, ?, ?, 'big', 1, ?, 'scheduled', ?)`,
  )
    .bind(batchId, tenantId, agentId, scheduledAt, now)
    .run();
  const callIds: string[] = [];
  for (let i = 0; i < patientIds.length; i += 2000) {
    const rows = patientIds.slice(i, i + 2000).map((patientId, j) => {
      const id = crypto.randomUUID();
      callIds.push(id);
      return { id, patientId, createdAt: now + i + j };
    });
    const json = JSON.stringify(rows);
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO calls (id, tenant_id, campaign_id, agent_id, patient_id, phone_number, status, provider, recording, scheduled_at, created_at, updated_at)
         SELECT json_extract(j.value, '$.id'), ?1, ?2, ?3, p.id, p.phone_number, 'scheduled', 'simulator', 1, ?4, json_extract(j.value, '$.createdAt'), ?5
           FROM json_each(?6) j JOIN patients p ON p.id = json_extract(j.value, '$.patientId')`,
      ).bind(tenantId, batchId, agentId, scheduledAt, now, json),
      env.DB.prepare(
        `INSERT INTO call_events (call_id, tenant_id, seq, type, from_status, to_status, detail, at)
         SELECT json_extract(value, '$.id'), ?1, 0, 'created', NULL, 'scheduled', ?2, ?3 FROM json_each(?4)`,
      ).bind(tenantId, JSON.stringify({ batchId }), now, json),
    ]);
  }
  return { batchId, callIds };
}
