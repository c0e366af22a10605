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

const limit = (min: number, max: number, description: string) =>
  z.number().int().min(min).max(max).openapi({ description });

/**
 * What one tenant may do on the shared platform, as it applies now. Each is the operator's setting
 * for the tenant, or the deployment's default (documented in the README: 50 requests per second
 * with bursts of 100, 1,000 calls created per minute, 20 webhook endpoints).
 */
export const TenantLimits = z
  .object({
    requestsPerSecond: limit(1, 10_000, "Sustained requests per second over all of the tenant's surfaces (/api/v1, /comms, /v1, /v1.0) together"),
    requestBurst: limit(1, 100_000, "Requests that may arrive at once after a quiet spell"),
    callsPerMinute: limit(1, 100_000, "Calls created per minute, counted per call (a 1,000-patient batch is 1,000)"),
    webhookEndpoints: limit(0, 1_000, "Webhook endpoints the tenant may have (deleted ones do not count)"),
  })
  .openapi("TenantLimits");
export type TenantLimits = z.infer<typeof TenantLimits>;

/** Limits to change; null goes back to the deployment's default. */
export const TenantLimitsUpdate = z
  .object({
    requestsPerSecond: TenantLimits.shape.requestsPerSecond.nullable().optional(),
    requestBurst: TenantLimits.shape.requestBurst.nullable().optional(),
    callsPerMinute: TenantLimits.shape.callsPerMinute.nullable().optional(),
    webhookEndpoints: TenantLimits.shape.webhookEndpoints.nullable().optional(),
  })
  .strict()
  .openapi("TenantLimitsUpdate");

export const TenantCreate = z
  .object({
    name: z.string().trim().min(1, "name is required").max(200),
    concurrencyLimit: z.number().int().min(1).max(1000).optional(),
    timezone: z.string().max(64).optional(),
    callingHours: CallingHours.nullable()
      .optional()
      .openapi({ description: "Narrower calling hours for this tenant's patients; null: the legal hours" }),
    limits: TenantLimitsUpdate.optional().openapi({ description: "Rate limits and quotas; fields left out keep their value, null goes back to the default" }),
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
    limits: TenantLimits,
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

/** Surfaces a key can be limited to. */
export const API_KEY_SURFACES = ["voipbin"] as const;
export type ApiKeySurface = (typeof API_KEY_SURFACES)[number];

const keySurface = z.enum(API_KEY_SURFACES).openapi({
  description:
    "`voipbin`: the key works on the VoIPbin surface (/v1.0) only, e.g. as `?accesskey=`, and is refused (403) everywhere else. Left out: every tenant surface.",
});

export const ApiKeyCreate = z.object({ name: z.string().max(200).optional(), surface: keySurface.optional() }).openapi("ApiKeyCreate");

/** What a tenant may issue for itself: keys limited to one surface (full keys are the operator's). */
export const SurfaceKeyCreate = z.object({ name: z.string().max(200).optional(), surface: keySurface }).openapi("SurfaceKeyCreate");

export const ApiKey = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string().nullable(),
    prefix: z.string(),
    surface: z.enum(API_KEY_SURFACES).nullable().openapi({ description: "The one surface the key works on; null: every tenant surface" }),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");
export type ApiKey = z.infer<typeof ApiKey>;

export const ApiKeyCreated = ApiKey.extend({
  apiKey: z.string().openapi({ description: "Shown once; only its hash is stored" }),
}).openapi("ApiKeyCreated");
