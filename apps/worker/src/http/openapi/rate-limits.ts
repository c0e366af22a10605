import type { z } from "@hono/zod-openapi";
import type { App } from "../context";

const RETRY_AFTER = {
  "Retry-After": {
    description: "Seconds after which the request can succeed (the tenant's budget will have refilled enough)",
    schema: { type: "integer" as const, minimum: 1, example: 2 },
  },
};

/**
 * Documents the 429 every route of a tenant surface may answer (rate limit, calls per minute,
 * webhook endpoint quota), with `Retry-After`, in the surface's own error shape (`errorSchema`).
 * Call once per sub-app after its routes are registered. Documentation only: the middleware limits.
 */
export function documentRateLimits(app: App, errorSchema: z.ZodType) {
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== "route") continue;
    const route = definition.route;
    route.responses[429] ??= {
      description:
        "Too many requests: the tenant's request rate (any route), calls created per minute (routes that create calls, counted per call) " +
        "or webhook endpoint quota (registering an endpoint) is exhausted; retry after `Retry-After` seconds",
      headers: RETRY_AFTER,
      content: { "application/json": { schema: errorSchema } },
    };
  }
}
