import { and, eq, isNull } from "drizzle-orm";
import { tables, type WEBHOOK_EVENT_TYPES } from "@switchboard/schemas";
import type { Env } from "../env";
import type { DisabledReason } from "../objects/contracts";
import type { Db } from "../lib/db";
import { open, seal } from "../lib/secret-box";
import { iso } from "../lib/time";
import { checkWebhookUrl, dohResolver, type UrlPolicy } from "./url-policy";

export type EndpointRow = typeof tables.webhookEndpoints.$inferSelect;
type EventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function endpointToWire(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: (row.events as EventType[] | null) ?? null,
    enabled: row.enabled,
    disabled_reason: (row.disabledReason as DisabledReason | null) ?? null,
    disabled_at: iso(row.disabledAt),
    failing_since: iso(row.failingSince),
    previous_secret_expires_at: row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > Date.now() ? iso(row.previousSecretExpiresAt) : null,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

/** A live (not deleted) endpoint of the tenant. */
export async function getEndpoint(db: Db, tenantId: string, id: string): Promise<EndpointRow | undefined> {
  const t = tables.webhookEndpoints;
  return db.select().from(t).where(and(eq(t.id, id), eq(t.tenantId, tenantId), isNull(t.deletedAt))).get();
}

/** The URL policy of this deployment: DNS over HTTPS in production. */
export function urlPolicy(env: Pick<Env, "ENVIRONMENT">): UrlPolicy {
  return { environment: env.ENVIRONMENT, resolve: dohResolver() };
}

export { checkWebhookUrl };

function secretsKeyOf(env: Pick<Env, "SECRETS_KEY">): string {
  if (!env.SECRETS_KEY) throw new Error("SECRETS_KEY is not configured: webhook secrets cannot be sealed");
  return env.SECRETS_KEY;
}

const context = (endpointId: string) => `webhook-endpoint:${endpointId}`;

export function sealSecret(env: Pick<Env, "SECRETS_KEY">, endpointId: string, secret: string): Promise<string> {
  return seal(secret, secretsKeyOf(env), context(endpointId));
}

/** The secrets that sign right now: the current one, and the previous one during its 24 h of grace. */
export async function signingSecrets(env: Pick<Env, "SECRETS_KEY">, row: EndpointRow, now: number): Promise<string[]> {
  const key = secretsKeyOf(env);
  const secrets = [await open(row.secretSealed, key, context(row.id))];
  if (row.previousSecretSealed && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > now) {
    secrets.push(await open(row.previousSecretSealed, key, context(row.id)));
  }
  return secrets;
}

/**
 * Disables an endpoint and gives up on what it still had pending (each stays listed, failed, and
 * can be replayed once the endpoint is enabled again), as statements for one atomic batch. `audit`
 * goes right after the endpoint's own update (so `onlyIfChanged` records only a real change).
 */
export function disableStatements(
  db: D1Database,
  endpointId: string,
  reason: DisabledReason,
  now: number,
  deleted = false,
  audit: D1PreparedStatement[] = [],
): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, disabled_at = ?, updated_at = ?,
           deleted_at = CASE WHEN ? THEN ? ELSE deleted_at END
         WHERE id = ? AND deleted_at IS NULL AND (enabled = 1 OR ?)`,
      )
      .bind(reason, now, now, deleted ? 1 : 0, now, endpointId, deleted ? 1 : 0),
    ...audit,
    db
      .prepare(
        `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = ?, updated_at = ?
         WHERE endpoint_id = ? AND status = 'pending'`,
      )
      .bind(deleted ? "endpoint deleted" : `endpoint disabled (${reason})`, now, endpointId),
  ];
}

/** `disableStatements`, run. Returns whether this call disabled (or deleted) it. */
export async function disableEndpoint(
  db: D1Database,
  endpointId: string,
  reason: DisabledReason,
  now: number,
  deleted = false,
  audit: D1PreparedStatement[] = [],
): Promise<boolean> {
  const [endpoint] = await db.batch(disableStatements(db, endpointId, reason, now, deleted, audit));
  return (endpoint?.meta.changes ?? 0) > 0;
}

/**
 * Inserts an endpoint unless the tenant already has `max` (deleted ones do not count), in one
 * statement so concurrent requests cannot both take the last place. `audit` goes in the same batch,
 * written only if the endpoint was. Whether it was inserted.
 */
export async function insertEndpointWithinQuota(
  db: D1Database,
  row: Pick<EndpointRow, "id" | "tenantId" | "url" | "description" | "events" | "secretSealed" | "createdAt">,
  max: number,
  audit: D1PreparedStatement[],
): Promise<boolean> {
  const insert = db
    .prepare(
      `INSERT INTO webhook_endpoints (id, tenant_id, url, description, events, enabled, secret_sealed, created_at, updated_at)
       SELECT ?, ?, ?, ?, ?, 1, ?, ?, ?
       WHERE (SELECT count(*) FROM webhook_endpoints WHERE tenant_id = ? AND deleted_at IS NULL) < ?`,
    )
    .bind(row.id, row.tenantId, row.url, row.description, row.events ? JSON.stringify(row.events) : null, row.secretSealed, row.createdAt, row.createdAt, row.tenantId, max);
  const [result] = await db.batch([insert, ...audit]);
  return (result?.meta.changes ?? 0) > 0;
}
