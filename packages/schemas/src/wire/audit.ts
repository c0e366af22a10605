import { z } from "@hono/zod-openapi";
import { Pagination } from "./common";

/** `signed_link`: whoever held an attachment link; `api_key_id` names the key it was issued to (null: issued to the messaging provider). */
export const AUDIT_ACTOR_TYPES = ["api_key", "admin", "system", "signed_link"] as const;

export const AuditEvent = z
  .object({
    id: z.number().int(),
    action: z.string().openapi({ example: "call.hung_up" }),
    object_type: z.string().openapi({ example: "call" }),
    object_id: z.string(),
    actor: z.object({
      type: z.enum(AUDIT_ACTOR_TYPES),
      api_key_id: z.string().nullable(),
    }),
    request_id: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable().openapi({ description: "Ids and field names only, never PHI" }),
    at: z.string(),
  })
  .openapi("AuditEvent");

export const AuditEventList = z.object({ data: z.array(AuditEvent), pagination: Pagination }).openapi("AuditEventList");

const time = (name: string) =>
  z.iso.datetime({ offset: true, error: `${name} must be an ISO 8601 date-time` }).optional();

export const AuditQuery = z.object({
  action: z.string().max(100).optional().openapi({ description: "Exact action, e.g. call.created" }),
  object_id: z.string().max(200).optional(),
  api_key_id: z.string().max(200).optional().openapi({ description: "Only what this API key did" }),
  kind: z
    .enum(["read", "change"], { error: "kind must be read or change" })
    .optional()
    .openapi({ description: "`read`: reads of patient data (actions ending in `.read`); `change`: everything else" }),
  since: time("since").openapi({ description: "At or after this time" }),
  until: time("until").openapi({ description: "Before this time" }),
});
