import { and, count, desc, eq, gt, type SQL } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import type { Db } from "../lib/db";
import { offsetOf } from "../lib/pagination";
import { callToWire } from "../http/api-v1/calls/serialize";

const { calls, patients } = tables;

/** The patient join is scoped by tenant too, so a call can never embed another tenant's patient. */
const patientJoin = and(eq(patients.id, calls.patientId), eq(patients.tenantId, calls.tenantId));

export async function getCall(db: Db, tenantId: string, callId: string) {
  const row = await db
    .select({ call: calls, patient: patients })
    .from(calls)
    .leftJoin(patients, patientJoin)
    .where(and(eq(calls.id, callId), eq(calls.tenantId, tenantId)))
    .get();
  return row ? callToWire(row.call, row.patient) : null;
}

export interface CallPage {
  start: number;
  size: number;
  ended_after?: string | undefined;
}

/** A page of a tenant's calls (optionally one campaign's), newest first, ties broken by id. */
export async function listCalls(db: Db, tenantId: string, page: CallPage, campaignId?: string) {
  const filters: SQL[] = [eq(calls.tenantId, tenantId)];
  if (campaignId) filters.push(eq(calls.campaignId, campaignId));
  if (page.ended_after) filters.push(gt(calls.endedAt, Date.parse(page.ended_after)));
  const where = and(...filters);
  const [rows, [totals]] = await Promise.all([
    db
      .select({ call: calls, patient: patients })
      .from(calls)
      .leftJoin(patients, patientJoin)
      .where(where)
      .orderBy(desc(calls.createdAt), desc(calls.id))
      .limit(page.size)
      .offset(offsetOf(page.start)),
    db.select({ total: count() }).from(calls).where(where),
  ]);
  return { data: rows.map((r) => callToWire(r.call, r.patient)), total: totals?.total ?? 0 };
}
