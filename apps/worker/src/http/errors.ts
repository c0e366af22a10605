import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./context";
import { errorSummary } from "../lib/log-safe";

/** The one error type handlers throw; `app.onError` turns it into the wire envelope. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    message: string,
    /** A complete body in another documented shape (e.g. the per-patient validation error). */
    readonly body?: unknown,
  ) {
    super(status, { message });
  }
}

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

export function onError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof ApiError) {
    return c.json(err.body ?? errorEnvelope(c, err.status, err.message), err.status);
  }
  if (err instanceof HTTPException) {
    // Hono's own: malformed JSON (400), body too large (413), etc.
    const status = err.status as ContentfulStatusCode;
    const message = err.message || (status === 413 ? "Request body too large" : "Bad request");
    return c.json(errorEnvelope(c, status, message), status);
  }
  // Unknown: log the request id and the error's name/message only, never request data (PHI).
  console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), error: errorSummary(err) }));
  return c.json(errorEnvelope(c, 500, "Internal server error"), 500);
}

export function notFound(c: Context<AppEnv>): Response {
  return c.json(errorEnvelope(c, 404, `No route for ${c.req.method} ${c.req.path}`), 404);
}
