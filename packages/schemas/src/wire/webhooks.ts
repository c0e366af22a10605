import { z } from "@hono/zod-openapi";
import { Pagination } from "./common";

/** Every event a customer endpoint can subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  "call.created",
  "call.status_changed",
  "call.completed",
  "call.failed",
  "call.deferred",
  "call.refused",
  "campaign.completed",
  "campaign.paused",
  "campaign.resumed",
  "message.status_changed",
  "message.received",
  "message.deferred",
  "message.refused",
  "patient.opted_out",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const url = z
  .string()
  .trim()
  .min(1, "url is required")
  .max(2_000, "url is too long")
  .openapi({ example: "https://clinic.example/hooks/switchboard", description: "HTTPS in production; must resolve to a public address" });

const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `events may only contain: ${WEBHOOK_EVENT_TYPES.join(", ")}` }), "events must be an array")
  .min(1, "events must name at least one event type (leave it out for every type)")
  .refine((list) => new Set(list).size === list.length, "events must not repeat a type");

const description = z.string().max(500, "description is too long");

export const WebhookEndpointCreate = z
  .object({
    url,
    events: events.optional().openapi({ description: "Event types to receive; every type when left out" }),
    description: description.optional(),
  })
  .openapi("WebhookEndpointCreate");

export const WebhookEndpointUpdate = z
  .object({
    url: url.optional(),
    events: events.nullable().optional().openapi({ description: "null subscribes to every type" }),
    description: description.nullable().optional(),
    enabled: z.boolean("enabled must be a boolean").optional().openapi({ description: "Re-enabling clears the failure record" }),
  })
  .openapi("WebhookEndpointUpdate");

export const WebhookEndpoint = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).nullable().openapi({ description: "null: every event type" }),
    enabled: z.boolean(),
    disabled_reason: z
      .enum(["manual", "gone", "failing"])
      .nullable()
      .openapi({ description: "`manual`: disabled through the API; `gone`: the endpoint answered 410; `failing`: every attempt failed for days" }),
    disabled_at: z.string().nullable(),
    failing_since: z.string().nullable().openapi({ description: "First failed attempt since the last success" }),
    previous_secret_expires_at: z.string().nullable().openapi({ description: "Until then the previous secret signs too" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("WebhookEndpoint");

export const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  secret: z.string().openapi({ description: "The signing secret (whsec_…), shown only now", example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }),
}).openapi("WebhookEndpointWithSecret");

export const WebhookEndpointList = z.object({ data: z.array(WebhookEndpoint), pagination: Pagination }).openapi("WebhookEndpointList");

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;

export const WebhookDelivery = z
  .object({
    id: z.string(),
    endpoint_id: z.string(),
    event_id: z.string().openapi({ description: "The webhook-id header: the same on every retry" }),
    event_type: z.enum(WEBHOOK_EVENT_TYPES),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("WebhookDelivery");

export const WebhookAttempt = z
  .object({
    attempt: z.number().int(),
    at: z.string(),
    status_code: z.number().int().nullable(),
    duration_ms: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi("WebhookAttempt");

export const WebhookDeliveryDetail = WebhookDelivery.extend({
  payload: z.record(z.string(), z.unknown()).openapi({ description: "The body as sent" }),
  attempt_log: z.array(WebhookAttempt),
}).openapi("WebhookDeliveryDetail");

export const WebhookDeliveryList = z.object({ data: z.array(WebhookDelivery), pagination: Pagination }).openapi("WebhookDeliveryList");
