import { env } from "cloudflare:workers";
import type { CallStatus } from "@switchboard/schemas";
import { expect } from "vitest";
import { api, call, json, vocode, voipbin } from "./http";

/* Placing and reading calls and campaigns, through the surfaces, and their history straight from D1. */

export const TERMINAL = ["completed", "failed", "canceled"];

export async function createCalls(key: string, body: Record<string, unknown>) {
  return api("/api/v1/calls", { method: "POST", key, json: body });
}

export async function placeCall(key: string, patientId: string, agentId: string, extra: Record<string, unknown> = {}) {
  const res = await createCalls(key, { patients: [{ patientId }], agentId, ...extra });
  expect(res.status).toBe(201);
  const body = await json(res);
  return body.calls[0].callId as string;
}

/** Creates a batch through the API and returns the response body. */
export async function createBatch(key: string, body: Record<string, unknown>) {
  const res = await createCalls(key, body);
  const parsed = await json(res);
  expect(res.status, JSON.stringify(parsed)).toBe(201);
  return parsed as { batchId: string; totalQueued: number; totalInitiated: number; calls: { callId: string; status: string }[] };
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

export async function campaign(key: string, batchId: string) {
  const res = await api(`/api/v1/calls/campaigns/${batchId}`, { key });
  expect(res.status).toBe(200);
  return (await json(res)).campaign as { status: string; scheduledAt: string | null; progress: { total: number; byStatus: Record<CallStatus, number> } };
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

/** The history's entries of one type, in order. */
export function eventsOf(events: any[], type: string) {
  return events.filter((e) => e.type === type);
}

/** The call's status walk, from the history: `[created, initiating, dialing, ...]`. */
export function statusWalk(events: any[]): string[] {
  return events.filter((e) => e.to_status).map((e) => e.to_status);
}

/** The call's row in D1, as stored (any tenant). */
export async function callRow(callId: string) {
  return env.DB.prepare("SELECT * FROM calls WHERE id = ?").bind(callId).first<Record<string, any>>();
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
