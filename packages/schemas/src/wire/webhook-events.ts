import { z } from "@hono/zod-openapi";
import { CALL_OUTCOMES, CALL_STATUSES } from "../lifecycle";

/** `data` of each event we send. Types owned by other areas are documented loosely until they land. */
const status = z.enum(CALL_STATUSES);
const outcome = z.enum(CALL_OUTCOMES).nullable();
const time = z.string().nullable();

export const WEBHOOK_EVENT_DATA = {
  "call.created": z.object({
    call_id: z.string(),
    batch_id: z.string(),
    agent_id: z.string(),
    patient_id: z.string().nullable(),
    status,
    scheduled_at: time,
  }),
  "call.status_changed": z.object({ call_id: z.string(), previous_status: status, status, outcome, changed_at: z.string() }),
  "call.completed": z.object({
    call_id: z.string(),
    status: z.literal("completed"),
    outcome,
    started_at: time,
    ended_at: time,
    duration: z.number().int().nullable().openapi({ description: "Seconds" }),
    final_report: z.record(z.string(), z.unknown()).nullable(),
  }),
  "call.failed": z.object({ call_id: z.string(), status: z.literal("failed"), outcome, started_at: time, ended_at: time }),
  "campaign.completed": z.record(z.string(), z.unknown()).openapi({ description: "The campaign's id and totals" }),
  "message.status_changed": z.record(z.string(), z.unknown()).openapi({ description: "The message's id and statuses" }),
  "message.received": z.record(z.string(), z.unknown()).openapi({ description: "The inbound message, with its body" }),
  "patient.opted_out": z.record(z.string(), z.unknown()).openapi({ description: "The patient's id, number and how they opted out" }),
} as const;
