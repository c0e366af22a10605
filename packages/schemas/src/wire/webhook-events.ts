import { z } from "@hono/zod-openapi";
import { CALL_OUTCOMES, CALL_STATUSES } from "../lifecycle";
import { DEFER_REASONS, REFUSE_REASONS } from "../policy/reasons";
import { Purpose } from "../policy/purposes";
import { MESSAGE_STATUSES } from "./comms";

/** `data` of each event we send. Types owned by other areas are documented loosely until they land. */
const status = z.enum(CALL_STATUSES);
const outcome = z.enum(CALL_OUTCOMES).nullable();
const time = z.string().nullable();

/** How a number came to be opted out: the patient texted an opt-out word, or Twilio reported it unsubscribed (error 21610). */
export const OPT_OUT_SOURCES = ["sms_keyword", "provider_21610", "api"] as const;
export type OptOutSource = (typeof OPT_OUT_SOURCES)[number];

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
  "call.deferred": z
    .object({
      call_id: z.string(),
      batch_id: z.string().nullable(),
      purpose: Purpose.nullable(),
      reason: z.enum(DEFER_REASONS),
      reasons: z.array(z.enum(DEFER_REASONS)),
      until: z.string().openapi({ description: "When the call may be dialed; it waits as `queued` (or `awaiting-retry`) until then" }),
      attempt: z.number().int().openapi({ description: "The attempt that waits (1 for the first)" }),
    })
    .openapi({ description: "The contact policy made a call wait (once per decision: a call deferred again for another reason or time is announced again)" }),
  "call.refused": z
    .object({
      call_id: z.string(),
      batch_id: z.string().nullable(),
      purpose: Purpose.nullable(),
      reason: z.enum(REFUSE_REASONS),
      reasons: z.array(z.enum(REFUSE_REASONS)),
      attempt: z.number().int(),
    })
    .openapi({ description: "The contact policy refused a call: it ends `canceled` with outcome `refused` and is never dialed" }),
  "campaign.completed": z.record(z.string(), z.unknown()).openapi({ description: "The campaign's id and totals" }),
  "campaign.paused": z.object({ batch_id: z.string(), paused_at: z.string(), live: z.number().int() }),
  "campaign.resumed": z.object({ batch_id: z.string(), resumed_at: z.string() }),
  "message.status_changed": z.object({
    message_id: z.string(),
    chat_id: z.string(),
    message_uid: z.string().nullable().openapi({ description: "The sender's `message_uid`, when it gave one" }),
    status: z.enum(MESSAGE_STATUSES).openapi({ description: "The status the message just took; statuses only move forward" }),
    error_message: z.string().nullable(),
    changed_at: z.string(),
  }),
  "message.received": z.object({
    message_id: z.string(),
    chat_id: z.string(),
    patient_id: z.string(),
    content: z.string().nullable().openapi({ description: "The patient's text" }),
    attachments: z.number().int().openapi({ description: "Files kept with the message (read them with the chat's messages)" }),
    received_at: z.string(),
  }),
  "message.deferred": z
    .object({
      message_id: z.string(),
      chat_id: z.string(),
      purpose: Purpose.nullable(),
      reason: z.enum(DEFER_REASONS),
      reasons: z.array(z.enum(DEFER_REASONS)),
      until: z.string(),
    })
    .openapi({ description: "The contact policy made a text wait (status SCHEDULED); it is sent when `until` comes, if the policy then allows" }),
  "message.refused": z
    .object({
      message_id: z.string(),
      chat_id: z.string(),
      purpose: Purpose.nullable(),
      reason: z.enum(REFUSE_REASONS),
      reasons: z.array(z.enum(REFUSE_REASONS)),
    })
    .openapi({ description: "The contact policy refused a text (status OPTED_OUT for opted_out and number_on_dnc, else FAILED); nothing was sent" }),
  "patient.opted_out": z
    .object({
      patient_id: z.string(),
      source: z.enum(OPT_OUT_SOURCES).openapi({ description: "`sms_keyword`: the patient texted STOP (or another opt-out word); `provider_21610`: Twilio reported the number unsubscribed; `api`: the clinic recorded a revocation by other means (POST /api/v1/patients/{id}/consent/revoke)" }),
      keyword: z.string().nullable().openapi({ description: "The word texted, for `sms_keyword`" }),
      opted_out_at: z.string(),
    })
    .openapi({ description: "Sent for each patient on the number: an opt-out covers the number, which family members may share" }),
} as const;
