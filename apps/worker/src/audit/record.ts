import { sql } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import type { BatchItem } from "drizzle-orm/batch";
import { chunk, type Db } from "../lib/db";
import { errorSummary } from "../lib/log-safe";
import type { Actor } from "../actor";
import type { Scope } from "../scope";

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
  | "campaign.paused"
  | "campaign.resumed"
  | "consent.recorded"
  | "consent.withdrawn"
  | "consent.revoked"
  | "consent.restored"
  | "do_not_call.imported"
  | "do_not_call.removed"
  | "contact_policy.updated"
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
  // Reads of patient data (PHI): who read which objects. Never the data itself.
  | "patient.read"
  | "consent.read"
  | "chat.read"
  | "message.read"
  | "file.read"
  | "call.read"
  | "webhook_delivery.read"
  | "provider_webhook.read"
  | "api_key.console_signed_in"
  | "api_key.console_signed_out"
  | "export.created"
  | "export.read";

/** The actions that record a read of patient data, for `kind=read` in the audit trail API. */
export const READ_ACTIONS: readonly AuditAction[] = [
  "patient.read",
  "consent.read",
  "chat.read",
  "message.read",
  "file.read",
  "call.read",
  "webhook_delivery.read",
  "provider_webhook.read",
  "export.read",
];

/** Who is acting, for whom, in which request. */
export type AuditScope = Pick<Scope, "tenantId" | "actor" | "requestId">;

export interface AuditOptions {
  /**
   * Write the row only if the statement just before it in the batch changed a row (SQLite's
   * `changes()`): an update or delete that matched nothing records nothing.
   */
  onlyIfChanged?: boolean;
  /** The time recorded (default: now). A batch retried later records the time of its change. */
  at?: number;
  /**
   * For a batch that may run again after its answer was lost (a call object's write-through is
   * retried until D1 confirms it): rows already recorded for the same action, object and time are
   * not recorded twice. (With `onlyIfChanged` or `onlyIf`, every condition must hold.)
   */
  once?: boolean;
  /**
   * Write the rows only if this SQL condition holds when the statement runs, e.g. that the object
   * read exists and is the tenant's. Its parameters are `?10`, `?11`, … (after the record's nine).
   * auditStatements only.
   */
  onlyIf?: { sql: string; params: readonly (string | number | null)[] };
}

export interface AuditRecord {
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
 * operator, on /admin), the action, the object(s) and the request id, after the action succeeded,
 * in a write of its own. Prefer `auditStatements`/`auditQueries` in the change's own batch: a change
 * recorded this way can exist without its record when the write fails.
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

/** The product acting on its own (e.g. disabling an endpoint that has failed for days). */
export function systemScope(tenantId: string): AuditScope {
  return { tenantId, actor: { type: "system", id: null }, requestId: null };
}

/** Object ids per statement: they travel as one JSON array, so a 1,000-call batch costs two statements. */
const IDS_PER_STATEMENT = 500;

const INSERT = `INSERT INTO audit_events (tenant_id, actor_type, actor_id, action, object_type, object_id, request_id, detail, at)`;

/*
 * The rows of one chunk, one per id, from the ids' JSON array (one bound parameter): for several
 * ids, the array taken once (`p.j`) crossed with the positions 0…n-1 as a VALUES list (`k`); for
 * one, no FROM at all. Not `json_each(ids)`: D1 counts a row read for each of its rows, while a
 * VALUES list of several rows reads none (a one-row VALUES list or FROM subquery reads one).
 */
const ID_AT_POSITION = `json_extract(p.j, '$[' || k.column1 || ']')`;
const positions = (count: number) => Array.from({ length: count }, (_, i) => `(${i})`).join(",");

function idRows(count: number) {
  if (count === 1) return { from: "", objectId: `json_extract(?9, '$[0]')` };
  return { from: ` FROM (SELECT ?9 AS j) p, (VALUES ${positions(count)}) k`, objectId: ID_AT_POSITION };
}

/** One INSERT per chunk of ids: its nine parameters (the ids last, as JSON) and its condition. */
function auditRows(record: AuditRecord, options: AuditOptions = {}) {
  const at = options.at ?? Date.now();
  const objectType = record.action.slice(0, record.action.indexOf("."));
  const detail = record.detail ? JSON.stringify(record.detail) : null;
  return chunk(record.objectIds, IDS_PER_STATEMENT).map((ids) => ({
    ids,
    params: [record.tenantId, record.actor.type, record.actor.id, record.action, objectType, record.requestId, detail, at, JSON.stringify(ids)] as const,
  }));
}

/** `?1`…`?9` are auditRows' params. */
const once = (objectId: string) => `NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.tenant_id = ?1 AND a.object_id = ${objectId} AND a.action = ?4 AND a.at = ?8)`;

function conditionOf(options: AuditOptions, objectId: string): string {
  const conditions = [options.onlyIfChanged ? "changes() > 0" : null, options.once ? once(objectId) : null, options.onlyIf?.sql ?? null].filter((c) => c !== null);
  return conditions.length ? ` WHERE ${conditions.map((c) => `(${c})`).join(" AND ")}` : "";
}

/** The statements that record `record` (see auditStatements), for a caller that holds a whole record. */
export function recordStatements(db: D1Database, record: AuditRecord, options: AuditOptions = {}): D1PreparedStatement[] {
  return auditRows(record, options).map(({ ids, params }) => {
    const { from, objectId } = idRows(ids.length);
    return db
      .prepare(`${INSERT} SELECT ?1, ?2, ?3, ?4, ?5, ${objectId}, ?6, ?7, ?8${from}${conditionOf(options, objectId)}`)
      .bind(...params, ...(options.onlyIf?.params ?? []));
  });
}

function recordOf(scope: AuditScope, action: AuditAction, objectIds: string | readonly string[], detail?: Record<string, unknown>): AuditRecord {
  return { tenantId: scope.tenantId, actor: scope.actor, action, objectIds: typeof objectIds === "string" ? [objectIds] : objectIds, requestId: scope.requestId, detail };
}

/**
 * The audit rows of a change, as D1 statements to run in the same `db.batch()` as the change
 * itself (D1 applies a batch atomically): the change and its record exist together or not at all.
 * Put them right after the statement they record when using `onlyIfChanged`.
 */
export function auditStatements(
  db: D1Database,
  scope: AuditScope,
  action: AuditAction,
  objectIds: string | readonly string[],
  detail?: Record<string, unknown>,
  options?: AuditOptions,
): D1PreparedStatement[] {
  return recordStatements(db, recordOf(scope, action, objectIds, detail), options);
}

/**
 * `auditStatements` as drizzle queries, for a `db.batch([...])` of drizzle queries (whose results
 * drizzle maps). An INSERT ... SELECT built by drizzle: its raw `db.run(sql)` cannot be batched
 * with bound parameters (drizzle-orm 0.45's D1 batch reads a prepared statement raw queries lack).
 */
export function auditQueries(
  db: Db,
  scope: AuditScope,
  action: AuditAction,
  objectIds: string | readonly string[],
  detail?: Record<string, unknown>,
  options?: AuditOptions,
): BatchItem<"sqlite">[] {
  if (options?.onlyIf || options?.once) throw new Error("auditQueries: onlyIf and once are for auditStatements");
  const { auditEvents } = tables;
  return auditRows(recordOf(scope, action, objectIds, detail), options).map(({ ids, params }) => {
    const [tenantId, actorType, actorId, act, objectType, requestId, detailJson, at, idsJson] = params;
    const one = ids.length === 1;
    const objectId = one ? sql`json_extract(${idsJson}, '$[0]')` : sql.raw(ID_AT_POSITION);
    const from = one ? sql`` : sql` FROM (SELECT ${idsJson} AS j) p, (VALUES ${sql.raw(positions(ids.length))}) k`;
    // Every column of the table in order (drizzle names them all); NULL into the INTEGER PRIMARY KEY:
    // SQLite numbers the row. `detail` is raw JSON text, as the trail stores it.
    return db.insert(auditEvents).select(
      sql`SELECT NULL, ${tenantId}, ${actorType}, ${actorId}, ${act}, ${objectType}, ${objectId}, ${requestId}, ${detailJson}, ${at}${from}${sql.raw(options?.onlyIfChanged ? " WHERE changes() > 0" : "")}`,
    );
  });
}

/**
 * Records that patient data was read: who read which objects, in which request (ids only). Fails
 * the request when the row cannot be written, so nothing is read without its record. One
 * statement per 500 objects: a list page costs one.
 */
export async function recordReads(
  db: D1Database,
  scope: AuditScope,
  action: AuditAction,
  objectIds: readonly string[],
  detail?: Record<string, unknown>,
): Promise<void> {
  if (objectIds.length === 0) return;
  await db.batch(auditStatements(db, scope, action, objectIds, detail));
}

async function writeAudit(db: D1Database, record: AuditRecord): Promise<void> {
  const statements = recordStatements(db, record);
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
