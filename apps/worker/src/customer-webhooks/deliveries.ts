import { and, asc, count, desc, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { tables, type WEBHOOK_DELIVERY_STATUSES, type WebhookEventType } from "@switchboard/schemas";
import type { Db } from "../lib/db";
import { iso } from "../lib/time";

type DeliveryRow = typeof tables.webhookDeliveries.$inferSelect;
type DeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export function deliveryToWire(row: DeliveryRow) {
  return {
    id: row.id,
    endpoint_id: row.endpointId,
    event_id: row.eventId,
    event_type: row.eventType as WebhookEventType,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    next_attempt_at: iso(row.nextAttemptAt),
    last_attempt_at: iso(row.lastAttemptAt),
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

export async function listDeliveries(db: Db, endpointId: string, filter: { status?: DeliveryStatus | undefined; limit: number; offset: number }) {
  const t = tables.webhookDeliveries;
  const where = and(eq(t.endpointId, endpointId), filter.status ? eq(t.status, filter.status) : undefined);
  const [rows, [totals]] = await Promise.all([
    db.select().from(t).where(where).orderBy(desc(t.createdAt), desc(t.id)).limit(filter.limit).offset(filter.offset),
    db.select({ total: count() }).from(t).where(where),
  ]);
  return { rows, total: totals?.total ?? 0 };
}

export async function getDelivery(db: Db, endpointId: string, deliveryId: string) {
  const t = tables.webhookDeliveries;
  return db.select().from(t).where(and(eq(t.id, deliveryId), eq(t.endpointId, endpointId))).get();
}

/** The delivery with the body it sends and every attempt so far. */
export async function deliveryDetail(db: Db, row: DeliveryRow) {
  const [event, attempts] = await Promise.all([
    db.select({ payload: tables.webhookEvents.payload }).from(tables.webhookEvents).where(eq(tables.webhookEvents.id, row.eventId)).get(),
    db.select().from(tables.webhookAttempts).where(eq(tables.webhookAttempts.deliveryId, row.id)).orderBy(asc(tables.webhookAttempts.attempt)),
  ]);
  return {
    ...deliveryToWire(row),
    payload: event ? (JSON.parse(event.payload) as Record<string, unknown>) : {},
    attempt_log: attempts.map((a) => ({ attempt: a.attempt, at: iso(a.at), status_code: a.statusCode, duration_ms: a.durationMs, error: a.error })),
  };
}

/** Sends a delivery again from the start of the retry schedule, with the same webhook-id; `alongside` (its audit row) in the same batch. */
export async function requeueDelivery(db: Db, deliveryId: string, now: number, alongside: BatchItem<"sqlite">[] = []) {
  const t = tables.webhookDeliveries;
  const [[row]] = await db.batch([
    db.update(t).set({ status: "pending", retryStep: 0, nextAttemptAt: now, updatedAt: now }).where(eq(t.id, deliveryId)).returning(),
    ...alongside,
  ]);
  return row;
}
