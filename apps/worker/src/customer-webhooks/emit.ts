import type { WebhookEventType } from "@switchboard/schemas";
import { tenantDatabase } from "../shards/directory";
import type { Env } from "../env";
import { base64Url, sha256Hex } from "../lib/crypto";
import { errorSummary } from "../lib/log-safe";
import { webhookSender } from "../objects/stubs";

/** Events per statement; each is a JSON object inside one bound parameter. */
const ROWS_PER_STATEMENT = 500;

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

/**
 * Many events at once, on their own: for events that announce no D1 change of their own. Events
 * that announce a change go in the change's own batch instead (`eventStatements`). Returns the ids
 * of the events some endpoint subscribes to.
 */
export async function emitEvents(env: EmitEnv, tenantId: string, events: readonly EventToEmit[], now = Date.now()): Promise<string[]> {
  if (!events.length) return [];
  const d1 = await tenantDatabase(env, tenantId);
  const endpoints = await d1.prepare(`SELECT events FROM webhook_endpoints WHERE tenant_id = ? AND enabled = 1 AND deleted_at IS NULL`)
    .bind(tenantId)
    .all<{ events: string | null }>();
  const subscribed = (type: string) => endpoints.results.some((e) => e.events === null || (JSON.parse(e.events) as string[]).includes(type));
  const wanted = events.filter((e) => subscribed(e.type));
  if (!wanted.length) return [];
  const outbox = await eventStatements(d1, tenantId, wanted, now);
  const results = await d1.batch([...outbox.events, ...outbox.deliveries]);
  await wakeAll(env, endpointsWoken(results.slice(outbox.events.length)));
  return outbox.ids;
}

/**
 * A transactional outbox: the statements that queue `events` (and one delivery per subscribed
 * endpoint), to run in the same D1 batch as the change the events announce. Then the change and
 * its announcement are written together or not at all: no failure in between can lose an event.
 * Run `events` before `deliveries` (deliveries join the event rows); the deliveries' results name
 * the endpoints to wake (`endpointsWoken`). Ids come from each event's `key`, and both inserts
 * ignore what already exists, so running the same statements again queues nothing twice.
 * `when`, if given, is an SQL condition under which the events are queued at all; its `?`
 * placeholders follow the statement's own three (SQLite numbers a bare `?` after the highest so far).
 */
export async function eventStatements(
  db: D1Database,
  tenantId: string,
  events: readonly EventToEmit[],
  now: number,
  when?: { sql: string; binds: unknown[] },
): Promise<{ ids: string[]; events: D1PreparedStatement[]; deliveries: D1PreparedStatement[] }> {
  if (!events.length) return { ids: [], events: [], deliveries: [] };
  const rows = await Promise.all(
    events.map(async (event) => ({
      id: await eventId(tenantId, event.key),
      type: event.type,
      payload: JSON.stringify({ type: event.type, timestamp: new Date(now).toISOString(), data: event.data }),
    })),
  );
  const parts = byteChunks(rows);
  return {
    ids: rows.map((r) => r.id),
    events: parts.map((part) =>
      db
        .prepare(
          `INSERT INTO webhook_events (id, tenant_id, type, payload, created_at)
           SELECT json_extract(v.value, '$.id'), ?1, json_extract(v.value, '$.type'), json_extract(v.value, '$.payload'), ?2
             FROM ${ANY_SUBSCRIBED} CROSS JOIN json_each(?3) v
            WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE ${SUBSCRIBED}
                            AND (e.events IS NULL OR EXISTS (SELECT 1 FROM json_each(e.events) s WHERE s.value = json_extract(v.value, '$.type'))))
              ${when ? `AND (${when.sql})` : ""}
           ON CONFLICT (id) DO NOTHING`,
        )
        .bind(tenantId, now, JSON.stringify(part), ...(when?.binds ?? [])),
    ),
    deliveries: parts.map((part) =>
      db
        .prepare(
          `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, status, attempts, retry_step, next_attempt_at, created_at, updated_at)
           SELECT 'dlv_' || lower(hex(randomblob(16))), ?1, e.id, ev.id, ev.type, 'pending', 0, 0, ?2, ?2, ?2
             FROM ${ANY_SUBSCRIBED} CROSS JOIN json_each(?3) v
             -- CROSS JOIN keeps this order: each event looked up by its id. A plain JOIN let SQLite's
             -- planner scan every event of the tenant's (its tenant index) for each statement.
             CROSS JOIN webhook_events ev ON ev.id = json_extract(v.value, '$.id') AND ev.tenant_id = ?1
             JOIN webhook_endpoints e ON ${SUBSCRIBED}
                  AND (e.events IS NULL OR EXISTS (SELECT 1 FROM json_each(e.events) s WHERE s.value = ev.type))
            WHERE true
           ON CONFLICT (endpoint_id, event_id) DO NOTHING
           RETURNING endpoint_id`,
        )
        .bind(tenantId, now, JSON.stringify(part.map(({ id }) => ({ id })))),
    ),
  };
}

/**
 * `eventStatements` for one event whose `data` is read from a row the same batch changes (e.g. a
 * message's status and error after a conditional UPDATE): `data.json` is an SQL `json_object(...)`
 * over `data.from` (a FROM clause with its WHERE). Their placeholders are numbered from `?4` (the
 * statement's own are ?1-?3), in the order of `data.binds`: a bare `?` would be numbered after the
 * largest seen before it and collide with ?3. No row, no event. The event's id comes from its key.
 */
export async function rowEventStatements(
  db: D1Database,
  tenantId: string,
  event: { type: WebhookEventType; key: string },
  data: { json: string; from: string; binds: unknown[] },
  now: number,
): Promise<{ ids: string[]; events: D1PreparedStatement[]; deliveries: D1PreparedStatement[] }> {
  const id = await eventId(tenantId, event.key);
  const payload = `json_object('type', json_extract(?2, '$.type'), 'timestamp', json_extract(?2, '$.timestamp'), 'data', ${data.json})`;
  const insert = db
    .prepare(
      `INSERT INTO webhook_events (id, tenant_id, type, payload, created_at)
       SELECT json_extract(?2, '$.id'), ?1, json_extract(?2, '$.type'), ${payload}, ?3
         ${data.from}
          AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE ${SUBSCRIBED}
                        AND (e.events IS NULL OR EXISTS (SELECT 1 FROM json_each(e.events) s WHERE s.value = json_extract(?2, '$.type'))))
       ON CONFLICT (id) DO NOTHING`,
    )
    .bind(tenantId, JSON.stringify({ id, type: event.type, timestamp: new Date(now).toISOString() }), now, ...data.binds);
  const { deliveries } = await eventStatements(db, tenantId, [{ type: event.type, key: event.key, data: {} }], now);
  return { ids: [id], events: [insert], deliveries };
}

/** `alias` is an endpoint of the tenant (bound as ?1) that takes deliveries now. */
const subscribed = (alias: string) => `${alias}.tenant_id = ?1 AND ${alias}.enabled = 1 AND ${alias}.deleted_at IS NULL`;
const SUBSCRIBED = subscribed("e");
/**
 * One row when the tenant has an endpoint, none otherwise: the outer loop of the outbox inserts, so
 * a tenant with no endpoint (most batches of most tenants) costs one index probe, not a look at
 * every event of the batch.
 */
const ANY_SUBSCRIBED = `(SELECT 1 FROM webhook_endpoints e0 WHERE ${subscribed("e0")} LIMIT 1) AS any_endpoint`;

/** Bytes of event JSON per statement's one bound parameter (D1 caps a value at 2 MB). */
const MAX_JSON_BYTES = 800_000;

function byteChunks<T>(rows: readonly T[]): T[][] {
  const parts: T[][] = [];
  let part: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = JSON.stringify(row).length;
    if (part.length && (bytes + size > MAX_JSON_BYTES || part.length >= ROWS_PER_STATEMENT)) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(row);
    bytes += size;
  }
  if (part.length) parts.push(part);
  return parts;
}

/** The endpoints that got new deliveries, from the results of `eventStatements(...).deliveries`. */
export function endpointsWoken(results: readonly D1Result[]): string[] {
  const ids = new Set<string>();
  for (const result of results) for (const row of (result.results ?? []) as { endpoint_id?: unknown }[]) if (typeof row.endpoint_id === "string") ids.add(row.endpoint_id);
  return [...ids];
}

/** Wakes the senders of endpoints with new deliveries; best effort (the cron's sweep is the backstop). */
export async function wakeAll(env: Pick<Env, "WEBHOOKS">, endpointIds: readonly string[]) {
  await Promise.all(endpointIds.map((endpointId) => wake(env, endpointId)));
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
  // The same form as a keyed id: 16 bytes, base64url (a keyed id's are the key's hash).
  if (key === undefined) return `msg_${base64Url(crypto.getRandomValues(new Uint8Array(16)))}`;
  const hex = await sha256Hex(`${tenantId}\n${key}`);
  const bytes = Uint8Array.from(hex.slice(0, 32).match(/../g)!, (h) => parseInt(h, 16));
  return `msg_${base64Url(bytes)}`;
}
