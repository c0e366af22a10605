import { chunk } from "../lib/db";
import { errorSummary } from "../lib/log-safe";
import type { Actor, Scope } from "../scope";

/**
 * Actions the audit trail knows. The object type is the part before the dot. Add new ones here
 * (e.g. `campaign.canceled`).
 */
export type AuditAction =
  | "tenant.created"
  | "tenant.updated"
  | "api_key.issued"
  | "api_key.revoked"
  | "patient.created"
  | "patient.updated"
  | "patient.deleted"
  | "agent.created"
  | "agent.updated"
  | "agent.deleted"
  | "call.created"
  | "call.hung_up"
  | "campaign.canceled"
  | "webhook_endpoint.created"
  | "webhook_endpoint.updated"
  | "webhook_endpoint.deleted"
  | "webhook_endpoint.secret_rotated"
  | "webhook_endpoint.disabled"
  | "webhook_delivery.replayed"
  | "provider_credentials.updated"
  | "provider_credentials.deleted"
  | "messaging_settings.updated"
  | "user.created"
  | "user.updated"
  | "user.deleted"
  | "message.sent"
  | "export.created";

interface AuditRecord {
  tenantId: string;
  actor: Actor;
  action: AuditAction;
  objectIds: readonly string[];
  requestId: string | null;
  /** Ids, counts and field names only: never PHI. */
  detail?: Record<string, unknown> | undefined;
}

/**
 * Records who did what in the tenant's append-only audit trail: the acting API key (or the
 * operator, on /admin), the action, the object(s) and the request id. Call it after the action
 * succeeded.
 */
export async function recordAudit(
  scope: Pick<Scope, "db" | "tenantId" | "actor" | "requestId">,
  action: AuditAction,
  objectIds: string | readonly string[],
  detail?: Record<string, unknown>,
): Promise<void> {
  await writeAudit(scope.db.$client, {
    tenantId: scope.tenantId,
    actor: scope.actor,
    action,
    objectIds: typeof objectIds === "string" ? [objectIds] : objectIds,
    requestId: scope.requestId,
    detail,
  });
}

/** What the product did on its own (e.g. disabling an endpoint that has failed for days). */
export function recordSystemAudit(db: D1Database, tenantId: string, action: AuditAction, objectId: string, detail?: Record<string, unknown>) {
  return writeAudit(db, { tenantId, actor: { type: "system", id: null }, action, objectIds: [objectId], requestId: null, detail });
}

/** Object ids per statement: they travel as one JSON array, so a 1,000-call batch costs two statements. */
const IDS_PER_STATEMENT = 500;

async function writeAudit(db: D1Database, record: AuditRecord): Promise<void> {
  const at = Date.now();
  const objectType = record.action.slice(0, record.action.indexOf("."));
  const detail = record.detail ? JSON.stringify(record.detail) : null;
  const statements = chunk(record.objectIds, IDS_PER_STATEMENT).map((ids) =>
    db
      .prepare(
        `INSERT INTO audit_events (tenant_id, actor_type, actor_id, action, object_type, object_id, request_id, detail, at)
         SELECT ?, ?, ?, ?, ?, value, ?, ?, ? FROM json_each(?)`,
      )
      .bind(record.tenantId, record.actor.type, record.actor.id, record.action, objectType, record.requestId, detail, at, JSON.stringify(ids)),
  );
  for (let attempt = 1; ; attempt++) {
    try {
      await db.batch(statements);
      return;
    } catch (error) {
      if (attempt < 2) continue;
      // The action itself has happened: failing the response now would invite a retry. Keep the
      // record in the logs instead (ids only, never PHI).
      console.error(JSON.stringify({ level: "error", msg: "audit write failed", ...record, objectIds: record.objectIds.slice(0, 50), error: errorSummary(error) }));
      return;
    }
  }
}

/** The names (never the values) of the fields a request set, for an update's audit detail. */
export function changedFields(body: Record<string, unknown>): string[] {
  return Object.keys(body).filter((k) => body[k] !== undefined);
}
