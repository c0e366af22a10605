import { and, eq } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import { getCallView, type CallView } from "../calls/read-model";
import { rowOf, type Db } from "../lib/db";
import { readArchive, recordKey, type ArchiveBucket, type ArchiveRow } from "./archive-object";

async function archivedRecords(db: Db, bucket: ArchiveBucket, tenantId: string, callId: string) {
  const index = await db
    .select({ day: tables.archivedCalls.day })
    .from(tables.archivedCalls)
    .where(and(eq(tables.archivedCalls.tenantId, tenantId), eq(tables.archivedCalls.callId, callId)))
    .get();
  if (!index) return null;
  const { contents } = await readArchive(bucket, `archive/${tenantId}/${index.day}.ndjson.gz`);
  return contents;
}

/**
 * A call that has left D1 for R2: found through its `archived_calls` row (tenant, call → day), read
 * from that day's object, with its patient and agent as they are now. Null when it is not archived.
 */
export async function getArchivedCallView(db: Db, bucket: ArchiveBucket, tenantId: string, callId: string): Promise<CallView | null> {
  const contents = await archivedRecords(db, bucket, tenantId, callId);
  const record = contents?.get(recordKey("call", callId));
  if (!contents || !record || record.row.tenant_id !== tenantId) return null;
  const call = rowOf(tables.calls, record.row);
  const options = contents.get(recordKey("call_option", callId));
  const [patient, agent] = await Promise.all([
    call.patientId
      ? db.select().from(tables.patients).where(and(eq(tables.patients.id, call.patientId), eq(tables.patients.tenantId, tenantId))).get()
      : undefined,
    db.select().from(tables.agents).where(and(eq(tables.agents.id, call.agentId), eq(tables.agents.tenantId, tenantId))).get(),
  ]);
  return {
    call,
    patient: patient ?? null,
    agent: agent ?? null,
    options: options ? rowOf(tables.callOptions, options.row) : null,
    answered: call.answeredAt !== null,
  };
}

/** An archived call's history, oldest first; empty when the call is not archived. */
export async function getArchivedCallHistory(db: Db, bucket: ArchiveBucket, tenantId: string, callId: string) {
  const contents = await archivedRecords(db, bucket, tenantId, callId);
  if (!contents) return [];
  return [...contents.values()]
    .filter((r) => r.kind === "call_event" && r.row.call_id === callId && r.row.tenant_id === tenantId)
    .map((r) => rowOf(tables.callEvents, r.row))
    .sort((a, b) => a.seq - b.seq);
}

/**
 * A call wherever it is: in D1, else (past the tenant's hot window) in the archive. Every surface
 * that reads one call by id reads it through here, so an archived call answers everywhere alike.
 */
export async function findCallView(db: Db, bucket: ArchiveBucket, tenantId: string, callId: string): Promise<CallView | null> {
  return (await getCallView(db, tenantId, callId)) ?? (await getArchivedCallView(db, bucket, tenantId, callId));
}
