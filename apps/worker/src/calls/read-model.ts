import { and, eq, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { tables } from "@switchboard/schemas";
import type { Db } from "../lib/db";

const { calls, agents, callOptions, callEvents } = tables;

/** A call as the vendor surfaces translate it: the core row, its agent, its surface options, and whether anyone picked up. */
export interface CallView {
  call: typeof calls.$inferSelect;
  /** Null once the agent has been deleted. */
  agent: typeof agents.$inferSelect | null;
  /** Null for calls placed through a surface that sets none. */
  options: typeof callOptions.$inferSelect | null;
  /** The line was picked up: the call reached `in-progress` at some point (statuses after a hangup no longer say so). */
  answered: boolean;
}

const answered = sql<number>`exists (select 1 from ${callEvents} where ${callEvents.callId} = ${calls.id} and ${callEvents.toStatus} = 'in-progress')`;

function selectViews(db: Db) {
  return db
    .select({ call: calls, agent: agents, options: callOptions, answered })
    .from(calls)
    .leftJoin(agents, and(eq(agents.id, calls.agentId), eq(agents.tenantId, calls.tenantId)))
    .leftJoin(callOptions, and(eq(callOptions.callId, calls.id), eq(callOptions.tenantId, calls.tenantId)));
}

function toView(row: { call: CallView["call"]; agent: CallView["agent"]; options: CallView["options"]; answered: number }): CallView {
  return { ...row, answered: row.answered === 1 };
}

export async function getCallView(db: Db, tenantId: string, callId: string): Promise<CallView | null> {
  const row = await selectViews(db).where(and(eq(calls.tenantId, tenantId), eq(calls.id, callId))).get();
  return row ? toView(row) : null;
}

export interface CallViewPage {
  /** Extra conditions besides the tenant. */
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

export async function countCalls(db: Db, tenantId: string): Promise<number> {
  const row = await db.select({ n: sql<number>`count(*)` }).from(calls).where(eq(calls.tenantId, tenantId)).get();
  return row?.n ?? 0;
}
