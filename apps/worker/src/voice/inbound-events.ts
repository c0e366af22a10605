import type { WebhookEvent } from "@switchboard/providers";
import { tables } from "@switchboard/schemas";
import { callObject } from "../objects/stubs";
import type { Env } from "../env";
import type { Db } from "../lib/db";
import { errorSummary } from "../lib/log-safe";

/** Unmatched payloads are kept up to this size: enough to inspect, not a storage sink. */
const ORPHAN_PAYLOAD_MAX = 16_384;

export interface Delivery {
  applied: number;
  unchanged: number;
  unmatched: number;
}

/**
 * Hands each verified event to its call's Durable Object, which alone decides what it changes.
 * Events that need the vendor's confirmation become a reconciliation of the call, after the
 * response (`waitUntil`). Events for no call of this tenant are kept for inspection.
 */
export async function deliverEvents(
  env: Env,
  db: Db,
  scope: { tenantId: string; provider: string },
  events: WebhookEvent[],
  rawBody: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<Delivery> {
  const result: Delivery = { applied: 0, unchanged: 0, unmatched: 0 };
  for (const event of events) {
    const callId = await findCall(db.$client, scope, event);
    if (!callId) {
      await keepOrphan(db, scope, event, rawBody);
      result.unmatched += 1;
      continue;
    }
    const stub = callObject(env, callId);
    if (event.confirm) {
      waitUntil(stub.reconcile("webhook").catch((error) => logFailure(callId, error)));
      result.unchanged += 1;
      continue;
    }
    const moved = await stub.applyProviderEvent(event.event, {
      provider: scope.provider,
      ...(event.providerCallId ? { providerCallId: event.providerCallId } : {}),
      ...(event.attempt !== undefined ? { attempt: event.attempt } : {}),
    });
    if (moved) result.applied += 1;
    else result.unchanged += 1;
  }
  return result;
}

/** Our call the event names (by our id, or the vendor's), if it is this tenant's. */
async function findCall(d1: D1Database, scope: { tenantId: string; provider: string }, event: WebhookEvent): Promise<string | null> {
  if (event.callId) {
    const row = await d1.prepare(`SELECT id FROM calls WHERE id = ? AND tenant_id = ?`).bind(event.callId, scope.tenantId).first<{ id: string }>();
    if (row) return row.id;
  }
  if (!event.providerCallId) return null;
  const row = await d1.prepare(`SELECT id FROM calls WHERE provider_call_id = ? AND tenant_id = ? AND provider = ?`)
    .bind(event.providerCallId, scope.tenantId, scope.provider)
    .first<{ id: string }>();
  return row?.id ?? null;
}

async function keepOrphan(db: Db, scope: { tenantId: string; provider: string }, event: WebhookEvent, rawBody: string) {
  await db.insert(tables.providerWebhookOrphans).values({
    id: crypto.randomUUID(),
    tenantId: scope.tenantId,
    provider: scope.provider,
    eventType: event.type.slice(0, 100),
    callId: event.callId?.slice(0, 100) ?? null,
    providerCallId: event.providerCallId?.slice(0, 200) ?? null,
    payload: rawBody.slice(0, ORPHAN_PAYLOAD_MAX),
    receivedAt: Date.now(),
  });
}

function logFailure(callId: string, error: unknown) {
  console.error(JSON.stringify({ level: "warn", msg: "webhook confirmation failed", callId, error: errorSummary(error) }));
}
