import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { tables, type CallCreate, type CallStatus } from "@switchboard/schemas";
import { auditStatements } from "../audit/record";
import { endpointsWoken, eventStatements, wakeAll, type EventToEmit } from "../customer-webhooks/emit";
import { DomainError, type PatientProblem } from "../errors";
import { commitKeyStatements } from "../idempotency/store";
import { d1Statement, jsonInserts, jsonValues } from "../lib/db";
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
 * agent and patients, then writes in one atomic D1 batch the campaign, its calls and their first
 * history rows, their `call.created` audit rows, their `call.created` webhook events (an outbox:
 * nothing is announced that was not created, nothing created goes unannounced) and, under an
 * Idempotency-Key, the key's outcome; then hands calls placed for now to the tenant's dispatcher,
 * which starts as many as free lines and calling hours allow.
 *
 * A request whose key already committed a batch (a retry after a failure later in the first
 * request) places nothing: it is answered from that batch.
 */
export async function placeCalls(scope: Scope, request: CallCreate, options: PlaceOptions = {}): Promise<PlacedBatch> {
  const committed = scope.idempotency?.committedBatchId;
  if (committed) return committedBatch(scope, committed);
  const batch = await createBatch(scope, request, Date.now(), options);
  await wakeAll(scope.env, batch.endpointsToWake);
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

/**
 * The batch an earlier request with this Idempotency-Key placed, as placing it answered (its calls
 * in request order, as they stand now). Nothing is placed or dispatched: a batch whose hand-over
 * to the dispatcher failed is handed over by the cron.
 */
async function committedBatch(scope: Scope, batchId: string): Promise<PlacedBatch> {
  const { campaigns, calls } = tables;
  const [[campaign], rows] = await scope.db.batch([
    scope.db.select({ scheduledAt: campaigns.scheduledAt }).from(campaigns).where(and(eq(campaigns.id, batchId), eq(campaigns.tenantId, scope.tenantId))),
    scope.db
      .select({ callId: calls.id, status: calls.status })
      .from(calls)
      .where(and(eq(calls.campaignId, batchId), eq(calls.tenantId, scope.tenantId)))
      // created_at counts down in request order (see createBatch).
      .orderBy(desc(calls.createdAt), asc(calls.id)),
  ]);
  if (!campaign) throw new Error("an Idempotency-Key names a batch that does not exist");
  return { batchId, scheduledAt: campaign.scheduledAt, calls: rows };
}

interface CreatedBatch {
  batchId: string;
  /** `timezone` is the patient's (null: the tenant's applies), for the calling window. */
  calls: { callId: string; patientId: string; status: CallStatus; timezone: string | null }[];
  scheduledAt: number | null;
  /** Webhook endpoints that got `call.created` deliveries. */
  endpointsToWake: string[];
}

/** Validates, then writes the campaign, its calls, their first history rows, audit rows and events (json_each: a few statements for any size). */
async function createBatch(scope: Scope, body: CallCreate, now: number, options: PlaceOptions): Promise<CreatedBatch> {
  const { db, tenantId } = scope;
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
  const d1 = db.$client;
  const callIds = callRows.map((c) => c.id!);
  const outbox = await eventStatements(d1, tenantId, createdEvents(batchId, agent.id, callRows, scheduledAt), now);
  // D1 applies a batch atomically: the campaign, all its calls, their audit rows and events, and the
  // Idempotency-Key's outcome exist together, or none do.
  const statements = [
    ...(scope.idempotency ? commitKeyStatements(d1, scope.idempotency, batchId) : []),
    d1Statement(d1, db.insert(tables.campaigns).values(campaignRow)),
    ...jsonInserts(d1, tables.calls, callRows),
    ...jsonInserts(d1, tables.callEvents, eventRows),
    ...(options.alongside?.(callRows.map((c) => ({ id: c.id!, patientId: c.patientId! }))) ?? []).map((q) => d1Statement(d1, q as unknown as Parameters<typeof d1Statement>[1])),
    ...auditStatements(d1, { tenantId, actor: scope.actor, requestId: scope.requestId }, "call.created", callIds, { batchId }, { at: now }),
    ...outbox.events,
    ...outbox.deliveries,
  ];
  const results = await d1.batch(statements);

  return {
    batchId,
    calls: callRows.map((c) => ({ callId: c.id!, patientId: c.patientId!, status: c.status!, timezone: patients.get(c.patientId!)?.timezone ?? null })),
    scheduledAt,
    endpointsToWake: endpointsWoken(results.slice(statements.length - outbox.deliveries.length)),
  };
}

function problem(index: number, requested: CallCreate["patients"][number], field: string, message: string, expectedFormat: string, receivedValue: unknown): PatientProblem {
  return { index, patientId: requested.patientId, failedObject: requested, errors: [{ field, message, expectedFormat, receivedValue }] };
}

/** `call.created` for each call of a new batch (the create request writes their first history row itself, so the call objects never see it). */
function createdEvents(batchId: string, agentId: string, calls: readonly (typeof tables.calls.$inferInsert)[], scheduledAt: number | null): EventToEmit[] {
  return calls.map((call) => ({
    type: "call.created",
    key: `call:${call.id}:0`,
    data: {
      call_id: call.id,
      batch_id: batchId,
      agent_id: agentId,
      patient_id: call.patientId,
      status: call.status,
      scheduled_at: iso(scheduledAt),
    },
  }));
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
