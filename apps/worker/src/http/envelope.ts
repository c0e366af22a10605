import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./context";
import { DOMAIN_STATUS } from "./domain-status";
import { HttpError, type SurfaceErrors } from "./errors";

/*
 * Switchboard's own error shape, answered by /api/v1, /admin and the routes outside any surface:
 * `{ success: false, error: { status, message, timestamp, requestId, path, method } }`. The one
 * exception is the Calls API's documented per-patient validation error of POST /api/v1/calls.
 */

export function errorEnvelope(c: Context<AppEnv>, status: number, message: string) {
  return {
    success: false as const,
    error: {
      status,
      message,
      timestamp: new Date().toISOString(),
      requestId: c.get("requestId") ?? "",
      path: c.req.path,
      method: c.req.method,
    },
  };
}

export const envelopeErrors: SurfaceErrors = {
  domain(c, err) {
    // The Calls API documents one body for patients that cannot be called (unknown, no number, opted out).
    if (err.details.patients) {
      const { patients, missingPhoneNumbers } = err.details;
      return c.json({ statusCode: 400, message: err.message, errors: patients, ...(missingPhoneNumbers ? { missingPhoneNumbers } : {}) }, 400);
    }
    const status = DOMAIN_STATUS[err.code];
    return c.json(errorEnvelope(c, status, err.message), status);
  },
  http(c, err) {
    const status = err.status as ContentfulStatusCode;
    if (err instanceof HttpError && err.body !== undefined) return c.json(err.body, status);
    // Hono's own: malformed JSON (400), body too large (413), etc.
    const message = err.message || (status === 413 ? "Request body too large" : "Bad request");
    return c.json(errorEnvelope(c, status, message), status);
  },
  internal: (c) => c.json(errorEnvelope(c, 500, "Internal server error"), 500),
};

export function envelopeNotFound(c: Context<AppEnv>): Response {
  return c.json(errorEnvelope(c, 404, `No route for ${c.req.method} ${c.req.path}`), 404);
}
