import { z } from "@hono/zod-openapi";
import { ErrorEnvelope } from "@switchboard/schemas";
import type { App } from "../context";

const IdempotencyHeader = z.object({
  "Idempotency-Key": z
    .string()
    .max(255)
    .optional()
    .openapi({
      description:
        "Makes the POST safe to retry: the first response for this key (per tenant, kept 24 h) is replayed with `Idempotent-Replayed: true` and nothing runs twice. Another request with the same key is a 422; a retry while the first still runs is a 409.",
      example: "7c4a8d09-ca37-4a52-9f5e-1b3c2d3e4f50",
    }),
});

const envelope = { "application/json": { schema: ErrorEnvelope } };

type Responses = Record<string, unknown>;

/**
 * The error body this route's surface answers in: the /api/v1 envelope, or (on /comms, /v1, /v1.0)
 * the shape the route already documents for its own errors, so the 409/422 read like its others.
 */
function errorContent(surfaceUsesEnvelope: boolean, responses: Responses): unknown {
  if (surfaceUsesEnvelope) return envelope;
  for (const status of ["404", "401", "403", "400", "422"]) {
    const response = responses[status] as { content?: unknown } | undefined;
    if (response?.content) return response.content;
  }
  return envelope;
}

/**
 * Adds the Idempotency-Key header and its 409/422 answers to every documented POST of a surface
 * that mounts the idempotency middleware. Call once per such sub-app, after its routes are
 * registered and before it is mounted. Documentation only: the middleware does the checking.
 */
export function documentIdempotencyKey(app: App, options: { envelope: boolean }) {
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== "route") continue;
    const route = definition.route;
    if (route.method !== "post") continue;
    const request = (route.request ??= {});
    const headers = request.headers;
    if (headers === undefined) request.headers = IdempotencyHeader;
    else if (Array.isArray(headers)) headers.push(IdempotencyHeader);
    else request.headers = (headers as typeof IdempotencyHeader).extend(IdempotencyHeader.shape);
    const content = errorContent(options.envelope, route.responses as Responses) as typeof envelope;
    route.responses[409] ??= { description: "A request with this Idempotency-Key is still running", content };
    route.responses[422] ??= { description: "This Idempotency-Key was used with a different request", content };
  }
}
