import type { CallCreate, CallStatus } from "@switchboard/schemas";
import type { BatchItem } from "drizzle-orm/batch";
import { tables } from "@switchboard/schemas";
import { getAgent } from "../agents/store";
import { optedOutAmong } from "../consent/opt-outs";
import { ApiError } from "../http/errors";
import type { Db } from "../lib/db";
import { d1Statement, jsonInserts } from "../lib/json-insert";
import { getPatientsByIds } from "../patients/store";
import { agentProviderRefs, providerProblems } from "../voice/adapters";
import type { PatientError, PatientValidationBody } from "./patient-errors";

export interface CreatedBatch {
  batchId: string;
  /** `timezone` is the patient's (null: the tenant's applies), for the calling window. */
  calls: { callId: string; status: CallStatus; timezone: string | null }[];
  scheduledAt: number | null;
}

export interface CreateBatchOptions {
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

/**
 * Validates a create request against the tenant's agents and patients, then writes the campaign,
 * its calls and their first history rows in one atomic D1 batch of a few statements (json_each).
 * Dialing is the caller's job.
 */
export async function createBatch(
  db: Db,
  tenantId: string,
  body: CallCreate,
  now = Date.now(),
  options: CreateBatchOptions = {},
): Promise<CreatedBatch> {
  const scheduledAt = body.scheduledAt === undefined ? null : Date.parse(body.scheduledAt);
  if (scheduledAt !== null && scheduledAt <= now) {
    throw new ApiError(400, "scheduledAt must be a valid future ISO 8601 date");
  }
  const agent = await getAgent(db, tenantId, body.agentId);
  if (!agent) throw new ApiError(404, "Agent not found");
  // A vendor the tenant has not configured is refused now, not discovered as a failed call later.
  const providerProblem = await providerProblems(db, tenantId, agentProviderRefs(agent.provider, agent.settings));
  if (providerProblem) throw new ApiError(400, providerProblem);

  const patients = await getPatientsByIds(db, tenantId, body.patients.map((p) => p.patientId));
  const optedOut = await optedOutAmong(db, tenantId, [...patients.values()].flatMap((p) => (p.phoneNumber ? [p.phoneNumber] : [])));
  const unknown: PatientError[] = [];
  const missingPhone: PatientError[] = [];
  const doNotCall: PatientError[] = [];
  body.patients.forEach((p, index) => {
    const patient = patients.get(p.patientId);
    if (!patient) {
      unknown.push(patientError(index, p, "patientId", "patient not found", "The id of an existing patient of your organization", p.patientId));
    } else if (!patient.phoneNumber) {
      missingPhone.push(patientError(index, p, "phoneNumber", "patient has no phone number", "E.164 phone number on the patient record (e.g., +15555551234)", null));
    } else if (optedOut.has(patient.phoneNumber) && options.optedOut !== "record") {
      doNotCall.push(patientError(index, p, "phoneNumber", "patient has opted out of contact", "A number that is not on the tenant's opt-out list", patient.phoneNumber));
    }
  });
  if (unknown.length) throw validationFailure("Validation failed for one or more patients", unknown);
  if (missingPhone.length) {
    const ids = missingPhone.map((e) => String(e.patientId));
    throw validationFailure(`Patients missing phone numbers: ${ids.join(", ")}`, missingPhone, ids);
  }
  if (doNotCall.length) throw validationFailure("One or more patients have opted out of contact", doNotCall);

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
    calls: callRows.map((c) => ({ callId: c.id!, status: c.status!, timezone: patients.get(c.patientId!)?.timezone ?? null })),
    scheduledAt,
  };
}

function patientError(
  index: number,
  requested: CallCreate["patients"][number],
  field: string,
  message: string,
  expectedFormat: string,
  receivedValue: unknown,
): PatientError {
  return { index, patientId: requested.patientId, failedObject: requested, errors: [{ field, message, expectedFormat, receivedValue }] };
}

function validationFailure(message: string, errors: PatientError[], missingPhoneNumbers?: string[]): ApiError {
  const body: PatientValidationBody = { statusCode: 400, message, errors, ...(missingPhoneNumbers ? { missingPhoneNumbers } : {}) };
  return new ApiError(400, message, body);
}
