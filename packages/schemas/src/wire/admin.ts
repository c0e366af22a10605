import { z } from "@hono/zod-openapi";
import { Pagination } from "./common";

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "times must be HH:MM (24-hour)");

/**
 * The local hours in which a tenant's patients may be called. It can only narrow the deployment's
 * legal window (08:00-21:00 unless the deployment says otherwise); checked against it on write.
 */
export const CallingHours = z
  .object({ start: clock.openapi({ example: "09:00" }), end: clock.openapi({ example: "18:00" }) })
  .refine((h) => h.start < h.end, { message: "callingHours.start must be before callingHours.end" })
  .openapi("CallingHours");
export type CallingHours = z.infer<typeof CallingHours>;

export const TenantCreate = z
  .object({
    name: z.string().trim().min(1, "name is required").max(200),
    concurrencyLimit: z.number().int().min(1).max(1000).optional(),
    timezone: z.string().max(64).optional(),
    callingHours: CallingHours.nullable()
      .optional()
      .openapi({ description: "Narrower calling hours for this tenant's patients; null: the legal hours" }),
    hotWindowDays: z.number().int().min(1).max(3650).optional().openapi({
      description: "Days ended calls, their history, messages, webhook deliveries and audit rows stay in the database before they move to the archive (R2). Default 90.",
    }),
    phiRetentionDays: z.number().int().min(1).max(3650).nullable().optional().openapi({
      description: "Days after which transcripts, reports, message bodies and attachments are purged, archive included; null (the default): kept as long as the rest.",
    }),
  })
  .openapi("TenantCreate");

export const TenantUpdate = TenantCreate.partial().openapi("TenantUpdate");

export const TenantCreateRequest = TenantCreate.extend({
  shard: z.number().int().min(0).max(255).optional().openapi({
    description: "The database (shard) that holds the tenant's data, e.g. a shard of its own for a large tenant; default: the least loaded open shard",
  }),
}).openapi("TenantCreateRequest");

export const Tenant = z
  .object({
    id: z.string(),
    shard: z.number().int().openapi({ description: "The database (shard) holding the tenant's data" }),
    name: z.string(),
    concurrencyLimit: z.number().int(),
    timezone: z.string(),
    callingHours: CallingHours.nullable().openapi({
      description: "The tenant's calling hours, local to each patient; null: the deployment's legal hours (08:00-21:00 by default)",
    }),
    hotWindowDays: z.number().int(),
    phiRetentionDays: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .openapi("Tenant");

export const TenantCreated = Tenant.extend({
  apiKey: z.string().openapi({ description: "Shown once; only its hash is stored" }),
  apiKeyId: z.string(),
}).openapi("TenantCreated");

export const TenantList = z.object({ data: z.array(Tenant), pagination: Pagination }).openapi("TenantList");

export const ApiKeyCreate = z.object({ name: z.string().max(200).optional() }).openapi("ApiKeyCreate");

export const ApiKey = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string().nullable(),
    prefix: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

export const ApiKeyCreated = ApiKey.extend({
  apiKey: z.string().openapi({ description: "Shown once; only its hash is stored" }),
}).openapi("ApiKeyCreated");
