import { tenantDatabase } from "../shards/directory";
import type { WebhookEventType } from "@switchboard/schemas";
import type { Env } from "../env";
import { base64Url, sha256Hex } from "../lib/crypto";
import { chunk } from "../lib/db";
import { errorSummary } from "../lib/log-safe";
import { webhookSender } from "../objects/stubs";

/** Events per statement; each is a JSON object inside one bound parameter. */
const ROWS_PER_STATEMENT = 100;

export interface EventToEmit {
  type: WebhookEventType;
  /** The event's `data`: ids and statuses; PHI only where the event is about it. */
  data: Record<string, unknown>;
  /**
   * Makes emitting idempotent: the same key (per tenant) always yields the same event id, and an
   * endpoint receives it once however often it is emitted (e.g. `call:<id>:<seq>:<type>`).
   */
  key?: string;
}

type EmitEnv = Pick<Env, "DB" | "WEBHOOKS">;

/**
 * Emits one event to the tenant's enabled endpoints that subscribe to its type.
 *
 * The one way the product tells customers something happened. It writes the event and one
 * delivery per endpoint to D1 (atomically) and wakes each endpoint's sender; the HTTP requests
 * happen later on the sender's alarm, never in the caller's time. Resolves once the event is
 * durable. Safe to call again with the same `key` after a crash.
 */
export async function emitEvent(env: EmitEnv, tenantId: string, type: WebhookEventType, data: Record<string, unknown>, options: { key?: string } = {}) {
  const ids = await emitEvents(env, tenantId, [{ type, data, ...options }]);
  return ids[0] ?? null;
}

/** Many events at once (e.g. a 1,000-call batch's `call.created`). Returns the ids of those queued. */
export async function emitEvents(env: EmitEnv, tenantId: string, events: readonly EventToEmit[], now = Date.now()): Promise<string[]> {
  if (!events.length) return [];
  const d1 = await tenantDatabase(env, tenantId);
  const endpoints = await d1.prepare(
    `SELECT id, events FROM webhook_endpoints WHERE tenant_id = ? AND enabled = 1 AND deleted_at IS NULL`,
  )
    .bind(tenantId)
    .all<{ id: string; events: string | null }>();
  if (!endpoints.results.length) return [];
  const subscriptions = endpoints.results.map((e) => ({ id: e.id, types: e.events ? new Set(JSON.parse(e.events) as string[]) : null }));

  const queued: { id: string; type: string; payload: string }[] = [];
  const perEndpoint = new Map<string, { id: string; type: string }[]>();
  for (const event of events) {
    const targets = subscriptions.filter((s) => !s.types || s.types.has(event.type));
    if (!targets.length) continue;
    const id = await eventId(tenantId, event.key);
    queued.push({ id, type: event.type, payload: JSON.stringify({ type: event.type, timestamp: new Date(now).toISOString(), data: event.data }) });
    for (const target of targets) {
      const list = perEndpoint.get(target.id) ?? [];
      list.push({ id, type: event.type });
      perEndpoint.set(target.id, list);
    }
  }
  if (!queued.length) return [];

  // Rows travel as JSON arrays (json_each), so a 1,000-call batch costs a few statements, not hundreds.
  const insertEvents = (rows: typeof queued) =>
    d1.prepare(
      `INSERT INTO webhook_events (id, tenant_id, type, payload, created_at)
       SELECT json_extract(value, '$.id'), ?, json_extract(value, '$.type'), json_extract(value, '$.payload'), ?
         FROM json_each(?) WHERE true
       ON CONFLICT (id) DO NOTHING`,
    ).bind(tenantId, now, JSON.stringify(rows));
  const insertDeliveries = (endpointId: string, rows: { id: string; type: string }[]) =>
    d1.prepare(
      `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, status, attempts, retry_step, next_attempt_at, created_at, updated_at)
       SELECT 'dlv_' || lower(hex(randomblob(16))), ?, ?, json_extract(value, '$.id'), json_extract(value, '$.type'), 'pending', 0, 0, ?, ?, ?
         FROM json_each(?) WHERE true
       ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
    ).bind(tenantId, endpointId, now, now, now, JSON.stringify(rows));
  // One batch: the events and their deliveries exist together or not at all.
  await d1.batch([
    ...chunk(queued, ROWS_PER_STATEMENT).map(insertEvents),
    ...[...perEndpoint].flatMap(([endpointId, rows]) => chunk(rows, ROWS_PER_STATEMENT).map((part) => insertDeliveries(endpointId, part))),
  ]);

  await Promise.all([...perEndpoint.keys()].map((endpointId) => wake(env, endpointId)));
  return queued.map((e) => e.id);
}

/**
 * Sets the endpoint's sender alarm. A failure here loses nothing: the deliveries are in D1 and the
 * cron's sweep wakes senders with overdue work.
 */
export async function wake(env: Pick<Env, "WEBHOOKS">, endpointId: string) {
  try {
    await webhookSender(env, endpointId).kick(endpointId);
  } catch (error) {
    console.error(JSON.stringify({ level: "warn", msg: "webhook sender kick failed", endpointId, error: errorSummary(error) }));
  }
}


async function eventId(tenantId: string, key: string | undefined): Promise<string> {
  if (key === undefined) return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
  const hex = await sha256Hex(`${tenantId}\n${key}`);
  const bytes = Uint8Array.from(hex.slice(0, 32).match(/../g)!, (h) => parseInt(h, 16));
  return `msg_${base64Url(bytes)}`;
}
