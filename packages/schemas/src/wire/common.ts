import { z } from "@hono/zod-openapi";

/** Any 8-4-4-4-12 hex id. The Calls API's own examples (2222…) are not RFC-variant UUIDs, so we accept GUID form. */
export const Id = z.guid();

export const ErrorEnvelope = z
  .object({
    success: z.literal(false),
    error: z.object({
      status: z.number().int(),
      message: z.string(),
      timestamp: z.string(),
      requestId: z.string(),
      path: z.string(),
      method: z.string(),
    }),
  })
  .openapi("Error");

const size = z.coerce
  .number({ error: "size must be an integer between 1 and 500" })
  .int("size must be an integer between 1 and 500")
  .min(1, "size must be an integer between 1 and 500")
  .max(500, "size must be an integer between 1 and 500")
  .default(100)
  .openapi({ description: "Results per page (1-500)", example: 100 });

const start = z.coerce
  .number({ error: "start must be an integer >= 1" })
  .int("start must be an integer >= 1")
  .min(1, "start must be an integer >= 1")
  .default(1)
  .openapi({ description: "1-based index of the first result", example: 1 });

const endedAfter = z.iso
  .datetime({ offset: true, error: "ended_after must be an ISO 8601 date-time" })
  .optional()
  .openapi({ description: "Only calls that ended after this time", example: "2024-01-01T00:00:00.000Z" });

export const PageQuery = z.object({ size, start });
export const CallPageQuery = z.object({ size, start, ended_after: endedAfter });
export type PageQuery = z.infer<typeof PageQuery>;

export const Pagination = z
  .object({
    start: z.number().int(),
    requested_size: z.number().int(),
    returned_count: z.number().int(),
    total: z.number().int(),
    hasMore: z.boolean(),
    ended_after: z.string().optional(),
  })
  .openapi("Pagination");
export type Pagination = z.infer<typeof Pagination>;

/** Path parameter helper: `{name}` as an OpenAPI path param. */
export function pathId(name: string) {
  return z.string().openapi({ param: { name, in: "path" }, example: "22222222-2222-2222-2222-222222222222" });
}
