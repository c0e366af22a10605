import { z } from "@hono/zod-openapi";
import { Pagination } from "./common";

export const TenantCreate = z
  .object({
    name: z.string().trim().min(1, "name is required").max(200),
    concurrencyLimit: z.number().int().min(1).max(1000).optional(),
    timezone: z.string().max(64).optional(),
  })
  .openapi("TenantCreate");

export const TenantUpdate = TenantCreate.partial().openapi("TenantUpdate");

export const Tenant = z
  .object({
    id: z.string(),
    name: z.string(),
    concurrencyLimit: z.number().int(),
    timezone: z.string(),
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
