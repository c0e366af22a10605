import { and, count, eq, gt, gte, inArray, lt, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { tables, type CallOutcome, type CallPatient, type CallStatus } from "@switchboard/schemas";
import { auditStatements, type AuditScope } from "../audit/record";
import { d1Statement, rowOf, type Db } from "../lib/db";

const { calls, agents, callOptions, callEvents, patients, tenants } = tables;

/**
 * A call as every surface reads it: the core row, its patient, its agent, its surface options, and
 * whether anyone picked up. Each surface serializes it in its own shape.
 */
export interface CallView {
  call: typeof calls.$inferSelect;
  /** Null once the patient has been deleted. */
  patient: typeof patients.$inferSelect | null;
  /** Null once the agent has been deleted. */
  agent: typeof agents.$inferSelect | null;
  /** Null for calls placed through a surface that sets none. */
  options: typeof callOptions.$inferSelect | null;
  /** The line was picked up: the call reached `in-progress` at some point (statuses after a hangup no longer say so). */
  answered: boolean;
}

/** Every join is scoped by tenant too, so a call can never embed another tenant's patient or agent. */
function selectViews(db: Db) {
  return db
    .select({ call: calls, patient: patients, agent: agents, options: callOptions })
    .from(calls)
    .leftJoin(patients, and(eq(patients.id, calls.patientId), eq(patients.tenantId, calls.tenantId)))
    .leftJoin(agents, and(eq(agents.id, calls.agentId), eq(agents.tenantId, calls.tenantId)))
    .leftJoin(callOptions, and(eq(callOptions.callId, calls.id), eq(callOptions.tenantId, calls.tenantId)));
}

function toView<T extends { call: typeof calls.$inferSelect }>(row: T): T & { answered: boolean } {
  return { ...row, answered: row.call.answeredAt !== null };
}

/**
 * A call and its patient: all the Calls API (/api/v1) shows. The patient is the call row's own copy
 * of the patient's current details (`calls.patient`, kept current by triggers on `patients`), so
 * these reads touch no patient row; an archived call's view (which reads the patient row) fits too.
 */
export type CallWithPatient = { call: typeof calls.$inferSelect; patient: CallPatient | null; answered: boolean };

function withPatient(call: typeof calls.$inferSelect): CallWithPatient {
  return { call, patient: call.patient ?? null, answered: call.answeredAt !== null };
}

/**
 * The tenant's call with its patient and the read's record (`call.read`), in one D1 batch, which D1
 * applies atomically: the audit row is written only if the call is here and the tenant's, and if
 * it cannot be written the batch fails and nothing is returned. Null when the call is not in D1
 * (unknown, another tenant's, or archived): nothing is recorded then.
 */
export async function readCallWithPatient(db: Db, scope: AuditScope, callId: string): Promise<CallWithPatient | null> {
  const d1 = db.$client;
  const onlyIf = { sql: "EXISTS (SELECT 1 FROM calls WHERE id = ?10 AND tenant_id = ?1)", params: [callId] };
  const select = db.select().from(calls).where(and(eq(calls.tenantId, scope.tenantId), eq(calls.id, callId)));
  const results = await d1.batch<Record<string, unknown>>([...auditStatements(d1, scope, "call.read", callId, undefined, { onlyIf }), d1Statement(d1, select)]);
  const row = results.at(-1)!.results[0];
  return row ? withPatient(rowOf(calls, row)) : null;
}

/** A page of the tenant's calls with their patients: the page's call rows only. */
export async function listCallsWithPatients(db: Db, tenantId: string, page: CallViewPage): Promise<CallWithPatient[]> {
  const rows = await db
    .select()
    .from(calls)
    .where(and(eq(calls.tenantId, tenantId), page.where))
    .orderBy(...page.orderBy)
    .limit(page.limit)
    .offset(page.offset);
  return rows.map(withPatient);
}

/** The tenant's call, or null when it is unknown here (or another tenant's). */
export async function getCallView(db: Db, tenantId: string, callId: string): Promise<CallView | null> {
  const row = await selectViews(db).where(and(eq(calls.tenantId, tenantId), eq(calls.id, callId))).get();
  return row ? toView(row) : null;
}

/** Which of a tenant's calls a list shows: every condition given must hold. */
export interface CallFilter {
  campaignId?: string | undefined;
  patientId?: string | undefined;
  agentId?: string | undefined;
  /** Any of these statuses. */
  statuses?: readonly CallStatus[] | undefined;
  /** Any of these outcomes. */
  outcomes?: readonly CallOutcome[] | undefined;
  /** Epoch ms: calls that ended after it. */
  endedAfter?: number | undefined;
  /** Epoch ms: calls created at or after it. */
  createdAfter?: number | undefined;
  /** Epoch ms: calls created before it. */
  createdBefore?: number | undefined;
}

export function callFilter(filter: CallFilter): SQL | undefined {
  return and(
    filter.campaignId ? eq(calls.campaignId, filter.campaignId) : undefined,
    filter.patientId ? eq(calls.patientId, filter.patientId) : undefined,
    filter.agentId ? eq(calls.agentId, filter.agentId) : undefined,
    filter.statuses?.length ? inArray(calls.status, [...filter.statuses]) : undefined,
    filter.outcomes?.length ? inArray(calls.outcome, [...filter.outcomes]) : undefined,
    filter.endedAfter !== undefined ? gt(calls.endedAt, filter.endedAfter) : undefined,
    filter.createdAfter !== undefined ? gte(calls.createdAt, filter.createdAfter) : undefined,
    filter.createdBefore !== undefined ? lt(calls.createdAt, filter.createdBefore) : undefined,
  );
}

export interface CallViewPage {
  /** Extra conditions besides the tenant (`callFilter`, or a surface's own cursor). */
  where?: SQL | undefined;
  orderBy: (SQL | SQLiteColumn)[];
  limit: number;
  offset: number;
}

export async function listCallViews(db: Db, tenantId: string, page: CallViewPage): Promise<CallView[]> {
  const rows = await selectViews(db)
    .where(and(eq(calls.tenantId, tenantId), page.where))
    .orderBy(...page.orderBy)
    .limit(page.limit)
    .offset(page.offset);
  return rows.map(toView);
}

/**
 * How many of the tenant's calls match `where`. All of them: the tenant's count, one row (kept in
 * the create request's batch and by a delete trigger), so a list page never counts every call. A
 * filter counts the matching calls over its index range (a campaign's calls, calls ended after a time).
 */
export async function countCalls(db: Db, tenantId: string, where?: SQL): Promise<number> {
  if (where === undefined) {
    const row = await db.select({ n: tenants.callsCount }).from(tenants).where(eq(tenants.id, tenantId)).get();
    return row?.n ?? 0;
  }
  const row = await db.select({ n: count() }).from(calls).where(and(eq(calls.tenantId, tenantId), where)).get();
  return row?.n ?? 0;
}

/** A call's history, oldest first; empty when the call is not the tenant's. */
export async function callHistory(db: Db, tenantId: string, callId: string) {
  return db
    .select()
    .from(callEvents)
    .where(and(eq(callEvents.callId, callId), eq(callEvents.tenantId, tenantId)))
    .orderBy(callEvents.seq);
}
