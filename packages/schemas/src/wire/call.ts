import { z } from "@hono/zod-openapi";
import { CALL_OUTCOMES, CALL_STATUSES } from "../lifecycle";
import { Purpose } from "../policy/purposes";
import { CallPatient } from "./patient";
import { CallPageQuery, Pagination } from "./common";
import { ContactPolicyDecision, DeferCounts, RefuseCounts } from "./policy";

/** Most patients one create request may carry. */
export const MAX_PATIENTS_PER_REQUEST = 1000;

export const UUID_EXPECTED_FORMAT = 'UUID v4 (e.g., "22222222-2222-2222-2222-222222222222")';

export const CallCreatePatient = z.object({
  patientId: z.guid("patientId must be a valid UUID").openapi({ example: "22222222-2222-2222-2222-222222222222" }),
  extended: z
    .record(z.string(), z.unknown(), "extended must be an object")
    .optional()
    .openapi({ description: "Per-patient custom metadata, returned as the call's client_metadata" }),
});

export const CallCreate = z
  .object({
    patients: z
      .array(CallCreatePatient, "patients must be an array")
      .min(1, "patients must contain at least one patient")
      .max(MAX_PATIENTS_PER_REQUEST, `patients may contain at most ${MAX_PATIENTS_PER_REQUEST} patients per request`),
    agentId: z.guid("agentId must be a valid UUID"),
    recording: z.boolean("recording must be a boolean").default(true),
    reason: z.string().max(2_000).optional(),
    name: z.string().max(200).optional(),
    scheduledAt: z.iso
      .datetime({ offset: true, error: "scheduledAt must be a valid ISO 8601 date" })
      .optional()
      .openapi({ example: "2026-12-01T14:00:00.000Z" }),
    description: z.string().max(2_000).optional(),
    purpose: Purpose.optional().openapi({
      description: "What the calls are for; decides which contact rules apply (the health-care exemption, consent). Default: the agent's purpose",
    }),
    subject: z
      .string()
      .trim()
      .min(1, "subject must not be empty")
      .max(100, "subject may be at most 100 characters")
      .optional()
      .openapi({ description: "What the calls are about (e.g. `appointment:apt_123`), for the states' same-subject caps; default: the purpose", example: "appointment:apt_123" }),
  })
  .openapi("CallCreate");
export type CallCreate = z.infer<typeof CallCreate>;

export const CallCreateResponse = z
  .object({
    success: z.literal(true),
    batchId: z.string(),
    totalQueued: z.number().int().openapi({ description: "Calls waiting: for a line, or deferred by the contact policy" }),
    totalInitiated: z.number().int(),
    totalDeferred: z.number().int().openapi({ description: "Of the queued, those the contact policy defers (each call's `policy` says until when and why)" }),
    totalRefused: z.number().int().openapi({ description: "Calls the contact policy refused: recorded `canceled` with outcome `refused`, never dialed" }),
    calls: z.array(
      z.object({
        callId: z.string(),
        roomName: z.string(),
        status: z.enum(CALL_STATUSES),
      }),
    ),
    message: z.string(),
    payload: z.record(z.string(), z.unknown()),
  })
  .openapi("CallCreateResponse");

export const PatientValidationError = z
  .object({
    statusCode: z.literal(400),
    message: z.string(),
    errors: z.array(
      z.object({
        index: z.number().int(),
        patientId: z.unknown(),
        failedObject: z.unknown(),
        errors: z.array(
          z.object({
            field: z.string(),
            message: z.string(),
            expectedFormat: z.string(),
            receivedValue: z.unknown(),
          }),
        ),
      }),
    ),
  })
  .openapi("PatientValidationError");

export const Call = z
  .object({
    id: z.string(),
    status: z.enum(CALL_STATUSES),
    outcome: z.enum(CALL_OUTCOMES).nullable(),
    phone_number: z.string(),
    direction: z.literal("outbound"),
    created_at: z.string(),
    started_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    final_report: z.record(z.string(), z.unknown()).nullable(),
    recording_url: z.string().nullable().openapi({ description: "The vendor's recording, when it keeps one" }),
    purpose: Purpose.nullable().openapi({ description: "What the call is for (null for calls placed before purposes existed)" }),
    policy: ContactPolicyDecision.nullable().openapi({ description: "The contact policy's last decision on the call; null before any" }),
    batch_id: z.string().nullable(),
    agent_id: z.string(),
    duration: z.number().int().nullable(),
    patient: CallPatient.nullable(),
    client_metadata: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("Call");
export type Call = z.infer<typeof Call>;

export const CallList = z.object({ data: z.array(Call), pagination: Pagination }).openapi("CallList");

/** A query value listing one or more of `values`, comma separated (`status=completed,failed`). */
function commaList(name: string, values: readonly string[]) {
  const message = `${name} must be one or more of ${values.join(", ")}, comma separated`;
  return z
    .string({ error: message })
    .max(500, message)
    .refine((value) => value.split(",").every((part) => values.includes(part)), message)
    .optional()
    .openapi({ description: `One or more of: ${values.join(", ")} (comma separated)` });
}

const queryId = (name: string, what: string) =>
  z.string({ error: `${name} must be an id` }).min(1, `${name} must be an id`).max(100, `${name} must be an id`).optional().openapi({ description: what });

const queryTime = (name: string, what: string) =>
  z.iso.datetime({ offset: true, error: `${name} must be an ISO 8601 date-time` }).optional().openapi({ description: what, example: "2026-01-01T00:00:00.000Z" });

/** `GET /api/v1/calls`: a page of the tenant's calls, narrowed by any of these (all must hold). */
export const CallListQuery = CallPageQuery.extend({
  status: commaList("status", CALL_STATUSES),
  outcome: commaList("outcome", CALL_OUTCOMES),
  agent_id: queryId("agent_id", "Only calls by this agent"),
  batch_id: queryId("batch_id", "Only calls of this campaign (batch)"),
  patient_id: queryId("patient_id", "Only calls to this patient"),
  created_after: queryTime("created_after", "Only calls created at or after this time"),
  created_before: queryTime("created_before", "Only calls created before this time"),
});
export type CallListQuery = z.infer<typeof CallListQuery>;

export const CallEvent = z
  .object({
    seq: z.number().int(),
    type: z.string(),
    from_status: z.string().nullable(),
    to_status: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    at: z.string(),
  })
  .openapi("CallEvent");

export const CAMPAIGN_STATUSES = ["scheduled", "releasing", "released", "canceled"] as const;

/** Calls of a campaign, how many are in each status, and how far along it is. */
export const CampaignProgress = z
  .object({
    total: z.number().int(),
    byStatus: z.record(z.enum(CALL_STATUSES), z.number().int()).openapi({ description: "Every status listed, zeros too" }),
    ended: z.number().int().openapi({ description: "Calls that have ended: completed, failed or canceled" }),
    startedAt: z.string().nullable().openapi({ description: "When its first call was dialed; null before" }),
    finishedAt: z.string().nullable().openapi({ description: "When its last call ended, once every call has; else null" }),
    expectedFinishAt: z.string().nullable().openapi({
      description:
        "An estimate of when its last call will end, at its pace so far (calls completed or failed per minute since its first call was dialed). " +
        "Null until a call has ended, once none is left, and for a canceled campaign. Calls waiting for their calling hours make it optimistic.",
    }),
  })
  .openapi("CampaignProgress");
export type CampaignProgress = z.infer<typeof CampaignProgress>;

export const CampaignSummary = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    agent_id: z.string(),
    created_at: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    scheduled_at: z.string().nullable(),
    paused: z.boolean().openapi({ description: "Paused: none of its calls is dialed until it is resumed" }),
    progress: CampaignProgress,
  })
  .openapi("CampaignSummary");

export const CampaignList = z
  .object({ data: z.array(CampaignSummary), pagination: Pagination })
  .openapi("CampaignList");

export const CampaignDetail = z
  .object({
    campaign: z.object({
      id: z.string(),
      name: z.string().nullable(),
      agentId: z.string(),
      createdAt: z.string(),
      status: z.enum(CAMPAIGN_STATUSES),
      scheduledAt: z.string().nullable(),
      paused: z.boolean().openapi({ description: "Paused: none of its calls is dialed until it is resumed" }),
      pausedAt: z.string().nullable(),
      progress: CampaignProgress.extend({
        deferred: DeferCounts.openapi({ description: "Calls waiting because the contact policy deferred them, by reason" }),
        refused: RefuseCounts.openapi({ description: "Calls the contact policy refused (canceled, outcome refused), by reason" }),
      }),
    }),
    data: z.array(Call),
    pagination: Pagination,
  })
  .openapi("CampaignDetail");

/** Calls of a campaign that ended in each hour, by outcome. */
export const CampaignHourly = z
  .object({
    batchId: z.string(),
    data: z.array(
      z.object({
        hour: z.string().openapi({ description: "The hour's start (UTC, ISO 8601)", example: "2026-03-02T14:00:00.000Z" }),
        total: z.number().int(),
        byOutcome: z.record(z.enum(CALL_OUTCOMES), z.number().int()).openapi({ description: "Every outcome listed, zeros too" }),
      }),
    ).openapi({ description: "Hours in which calls ended, oldest first (hours with none are left out)" }),
  })
  .openapi("CampaignHourly");

export const CampaignCancelResponse = z
  .object({
    batchId: z.string(),
    status: z.literal("canceled"),
    canceled: z.number().int().openapi({ description: "Calls not yet dialed (or waiting for a retry) that this request ended as canceled" }),
    live: z.number().int().openapi({ description: "Calls on the line when the campaign was canceled; they are left to finish" }),
    message: z.string(),
  })
  .openapi("CampaignCancelResponse");

export const HangupResponse = z
  .object({ callId: z.string(), message: z.literal("Call terminated successfully") })
  .openapi("HangupResponse");
