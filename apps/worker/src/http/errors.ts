import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DomainError } from "../errors";
import { errorSummary } from "../lib/log-safe";
import type { AppEnv } from "./context";

/**
 * A refusal by the HTTP layer itself: authentication, body limits, Idempotency-Key, a route's own
 * "no such object". Each surface answers it in its own shape by status; `body`, when given, is a
 * complete answer in that surface's shape (e.g. a pydantic-style 422).
 */
export class HttpError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    message: string,
    readonly body?: unknown,
  ) {
    super(status, { message });
  }
}

/**
 * 429: a tenant's rate limit or quota. Every surface answers it in its own shape with
 * `Retry-After` (whole seconds, at least 1): when trying again can succeed.
 */
export class TooManyRequests extends HttpError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(429, message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** How one surface answers errors, in its own shape. */
export interface SurfaceErrors {
  /** A use case refused (http/domain-status.ts has the default status of each code). */
  domain(c: Context<AppEnv>, err: DomainError): Response;
  /** The HTTP layer refused: an HttpError, or Hono's own (malformed JSON 400, body too large 413, wrong media type 415). */
  http(c: Context<AppEnv>, err: HTTPException): Response;
  /** Something unexpected broke; already logged. */
  internal(c: Context<AppEnv>): Response;
}

/**
 * A surface's `onError`. Unexpected errors are logged here and only here: the request id and the
 * error's name and masked message, never request data (PHI).
 */
export function surfaceErrorHandler(surface: SurfaceErrors): ErrorHandler<AppEnv> {
  return (err, c) => {
    if (err instanceof DomainError) return surface.domain(c, err);
    if (err instanceof TooManyRequests) {
      const res = surface.http(c, err);
      res.headers.set("Retry-After", String(err.retryAfterSeconds));
      return res;
    }
    if (err instanceof HTTPException) return surface.http(c, err);
    console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), error: errorSummary(err) }));
    return surface.internal(c);
  };
}
