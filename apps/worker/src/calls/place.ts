import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { tables, type CallCreate, type CallStatus } from "@switchboard/schemas";
import { recordAudit } from "../audit/record";
import { emitEvents, type EventToEmit } from "../customer-webhooks/emit";
import { DomainError, type PatientProblem } from "../errors";
import { d1Statement, jsonInserts, jsonValues, type Db } from "../lib/db";
import { errorSummary } from "../lib/log-safe";
import { iso } from "../lib/time";
import { tenantDispatcher } from "../objects/stubs";
import type { Scope } from "../scope";
import { getCallView, type CallView } from "./read-model";
import { agentProviderRefs, configuredVendors, providerProblems } from "../voice/adapters";

export interface PlaceOptions {
  /**
   * Patients on the tenant's opt-out list: `refuse` the request (the default), or `record` their
   * calls as `canceled` (outcome `canceled`), so the refusal is in the call history and nobody is dialed.
   */
  optedOut?: "refuse" | "record";
  /** Rows to write in the same atomic batch as the calls, e.g. a surface's per-call options. */
  alongside?: (calls: readonly { id: string; patientId: string }[]) => BatchItem<"sqlite">[];
  /** Place the calls on this provider of the agent's rather than its first (the /comms surface names one). */
  provider?: string;
}

export interface PlacedBatch {
  batchId: string;
  scheduledAt: number | null;
  /** Each call as it stands once placed: `queued` while it waits for a line, `scheduled` until its time. */
  calls: { callId: string; status: CallStatus }[];
}

/**
 * Places calls: the one way every surface does it. Validates the request against the tenant's
 * agent and patients, writes the campaign, its calls and their first history rows in one atomic D1
 * batch, records `call.created` in the audit trail, announces `call.created` to the tenant's
 * webhooks, and hands calls placed for now to the tenant's dispatcher, which starts as many as
 * free lines and calling hours allow.
 */
export async function placeCalls(scope: Scope, request: CallCreate, options: PlaceOptions = {}): Promise<PlacedBatch> {
  const batch = await createBatch(scope.db, scope.tenantId, request, Date.now(), options);
  await recordAudit(scope, "call.created", batch.calls.map((call) => call.callId), { batchId: batch.batchId });
  await announceCreated(scope, batch, request);
  const calls = batch.scheduledAt === null ? await dispatch(scope, batch) : batch.calls;
  return { batchId: batch.batchId, scheduledAt: batch.scheduledAt, calls: calls.map(({ callId, status }) => ({ callId, status })) };
}

/** One call (a one-call batch), read back for a surface to translate. */
export async function placeOneCall(scope: Scope, request: CallCreate, options: PlaceOptions = {}): Promise<CallView> {
  const batch = await placeCalls(scope, request, options);
  const view = await getCallView(scope.db, scope.tenantId, batch.calls[0]!.callId);
  if (!view) throw new Error("call vanished after creation");
  return view;
}

interface CreatedBatch {
  batchId: string;
  /** `timezone` is the patient's (null: the tenant's applies), for the calling window. */
  calls: { callId: string; patientId: string; status: CallStatus; timezone: string | null }[];
  scheduledAt: number | null;
}

/** Validates, then writes the campaign, its calls and their first history rows (json_each: a few statements for any size). */
async function createBatch(db: Db, tenantId: string, body: CallCreate, now: number, options: PlaceOptions): Promise<CreatedBatch> {
  const scheduledAt = body.scheduledAt === undefined ? null : Date.parse(body.scheduledAt);
  if (scheduledAt !== null && scheduledAt <= now) {
    throw new DomainError("INVALID_INPUT", "scheduledAt must be a valid future ISO 8601 date", { field: ["scheduledAt"] });
  }
  // Everything the request is checked against, in one round trip.
  const { agents, patients: patientTable } = tables;
  const [[agent], vendors, patientRows] = await db.batch([
    db.select().from(agents).where(and(eq(agents.id, body.agentId), eq(agents.tenantId, tenantId))),
    configuredVendors(db, tenantId),
    db
      .select({
        id: patientTable.id,
        phoneNumber: patientTable.phoneNumber,
        timezone: patientTable.timezone,
        // Spelled out: drizzle leaves column names unqualified inside sql``, which would compare each with itself.
        optedOut: sql<number>`exists (select 1 from opt_outs o where o.tenant_id = "patients"."tenant_id"
          and o.phone_number = "patients"."phone_number" and o.opted_in_at is null)`,
      })
      .from(patientTable)
      // One bound parameter carries every id (D1 allows 100 parameters per statement, not 100 values).
      .where(and(eq(patientTable.tenantId, tenantId), sql`${patientTable.id} in ${jsonValues([...new Set(body.patients.map((p) => p.patientId))])}`)),
  ]);
  if (!agent) throw new DomainError("AGENT_NOT_FOUND", "Agent not found");
  // A vendor the tenant has not configured is refused now, not discovered as a failed call later.
  const providerProblem = providerProblems(agentProviderRefs(agent.provider, agent.settings), vendors);
  if (providerProblem) throw new DomainError("PROVIDER_NOT_CONFIGURED", providerProblem);

  const patients = new Map(patientRows.map((p) => [p.id, p]));
  const optedOut = new Set(patientRows.flatMap((p) => (p.optedOut && p.phoneNumber ? [p.phoneNumber] : [])));
  const unknown: PatientProblem[] = [];
  const missingPhone: PatientProblem[] = [];
  const doNotCall: PatientProblem[] = [];
  body.patients.forEach((p, index) => {
    const patient = patients.get(p.patientId);
    if (!patient) {
      unknown.push(problem(index, p, "patientId", "patient not found", "The id of an existing patient of your organization", p.patientId));
    } else if (!patient.phoneNumber) {
      missingPhone.push(problem(index, p, "phoneNumber", "patient has no phone number", "E.164 phone number on the patient record (e.g., +15555551234)", null));
    } else if (optedOut.has(patient.phoneNumber) && options.optedOut !== "record") {
      doNotCall.push(problem(index, p, "phoneNumber", "patient has opted out of contact", "A number that is not on the tenant's opt-out list", patient.phoneNumber));
    }
  });
  if (unknown.length) throw new DomainError("PATIENTS_INVALID", "Validation failed for one or more patients", { patients: unknown });
  if (missingPhone.length) {
    const ids = missingPhone.map((e) => String(e.patientId));
    throw new DomainError("PATIENTS_INVALID", `Patients missing phone numbers: ${ids.join(", ")}`, { patients: missingPhone, missingPhoneNumbers: ids });
  }
  if (doNotCall.length) throw new DomainError("PATIENT_OPTED_OUT", "One or more patients have opted out of contact", { patients: doNotCall });

  const batchId = crypto.randomUUID();
  // Calls placed for now wait in the tenant's queue until the dispatcher gives them a line.
  const status: CallStatus = scheduledAt === null ? "queued" : "scheduled";
  const isOptedOut = (patientId: string) => optedOut.has(patients.get(patientId)!.phoneNumber!);
  const callRows: (typeof tables.calls.$inferInsert)[] = body.patients.map((p, i) => ({
    id: crypto.randomUUID(),
    tenantId,
    campaignId: batchId,
    agentId: agent.id,
    patientId: p.patientId,
    phoneNumber: patients.get(p.patientId)!.phoneNumber!,
    status: isOptedOut(p.patientId) ? "canceled" : status,
    outcome: isOptedOut(p.patientId) ? "canceled" : null,
    provider: options.provider ?? agent.provider,
    providerCallId: null,
    reason: body.reason ?? null,
    recording: body.recording,
    clientMetadata: p.extended ?? null,
    finalReport: null,
    transcript: null,
    scheduledAt,
    // One millisecond apart keeps a batch's calls in request order when listed newest first: the
    // first patient gets the latest time (`now + i` listed them in reverse request order).
    createdAt: now + (body.patients.length - 1 - i),
    startedAt: null,
    endedAt: null,
    updatedAt: now,
  }));
  const eventRows: (typeof tables.callEvents.$inferInsert)[] = callRows.map((c) => ({
    callId: c.id,
    tenantId,
    seq: 0,
    type: "created",
    fromStatus: null,
    toStatus: c.status,
    detail: c.status === "canceled" ? { batchId, reason: "opted_out" } : { batchId },
    at: now,
  }));

  const campaignRow: typeof tables.campaigns.$inferInsert = {
    id: batchId,
    tenantId,
    agentId: agent.id,
    name: body.name ?? null,
    description: body.description ?? null,
    reason: body.reason ?? null,
    recording: body.recording,
    scheduledAt,
    // `releasing` until the dispatcher has taken its calls (the cron retries a hand-over that failed).
    status: scheduledAt === null ? "releasing" : "scheduled",
    createdAt: now,
  };
  // D1 applies a batch atomically: the campaign and all its calls exist, or none do.
  await db.$client.batch([
    d1Statement(db.$client, db.insert(tables.campaigns).values(campaignRow)),
    ...jsonInserts(db.$client, tables.calls, callRows),
    ...jsonInserts(db.$client, tables.callEvents, eventRows),
    ...(options.alongside?.(callRows.map((c) => ({ id: c.id!, patientId: c.patientId! }))) ?? []).map((q) => d1Statement(db.$client, q as unknown as Parameters<typeof d1Statement>[1])),
  ]);

  return {
    batchId,
    calls: callRows.map((c) => ({ callId: c.id!, patientId: c.patientId!, status: c.status!, timezone: patients.get(c.patientId!)?.timezone ?? null })),
    scheduledAt,
  };
}

function problem(index: number, requested: CallCreate["patients"][number], field: string, message: string, expectedFormat: string, receivedValue: unknown): PatientProblem {
  return { index, patientId: requested.patientId, failedObject: requested, errors: [{ field, message, expectedFormat, receivedValue }] };
}

/**
 * `call.created` for each call of a new batch (the create request writes their first history row
 * itself, so the call objects never see it). A failure is logged, not thrown: the calls exist, and
 * failing the request would invite a retry that places them twice.
 */
async function announceCreated(scope: Scope, batch: CreatedBatch, request: CallCreate) {
  const events: EventToEmit[] = batch.calls.map((call) => ({
    type: "call.created",
    key: `call:${call.callId}:0`,
    data: {
      call_id: call.callId,
      batch_id: batch.batchId,
      agent_id: request.agentId,
      patient_id: call.patientId,
      status: call.status,
      scheduled_at: iso(batch.scheduledAt),
    },
  }));
  try {
    await emitEvents(scope.env, scope.tenantId, events);
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "call.created emit failed", batchId: batch.batchId, error: errorSummary(error) }));
  }
}

/**
 * Hands a batch placed for now to the tenant's dispatcher (which marks the campaign released once it
 * holds the calls). Returns each call's status: `queued` for those still waiting. If the dispatcher
 * cannot be reached, the calls stay queued and the campaign `releasing`: the cron hands it over
 * within a couple of minutes.
 */
async function dispatch(scope: Scope, batch: CreatedBatch): Promise<{ callId: string; status: CallStatus }[]> {
  let started: Record<string, CallStatus | null> = {};
  try {
    started = await tenantDispatcher(scope.env, scope.tenantId).enqueue(
      scope.tenantId,
      batch.batchId,
      // Calls recorded as `canceled` at creation (opted out) are never dialed.
      batch.calls.filter((c) => c.status === "queued").map((c) => ({ callId: c.callId, campaignId: batch.batchId, timezone: c.timezone })),
    );
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "dispatch failed; the cron will hand the batch over", batchId: batch.batchId, error: errorSummary(error) }));
  }
  return batch.calls.map((c) => ({ callId: c.callId, status: started[c.callId] ?? c.status }));
}
