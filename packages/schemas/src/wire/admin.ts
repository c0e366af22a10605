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
  })
  .openapi("TenantCreate");

export const TenantUpdate = TenantCreate.partial().openapi("TenantUpdate");

export const Tenant = z
  .object({
    id: z.string(),
    name: z.string(),
    concurrencyLimit: z.number().int(),
    timezone: z.string(),
    callingHours: CallingHours.nullable().openapi({
      description: "The tenant's calling hours, local to each patient; null: the deployment's legal hours (08:00-21:00 by default)",
    }),
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
