import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { AppEnv } from "../context";
import { DOMAIN_STATUS } from "../domain-status";
import { HttpError, type SurfaceErrors } from "../errors";
import { JSON_DECODE_ERROR, locationOf, validationItem, type ValidationItem } from "../fastapi";

/*
 * /comms errors in the FastAPI shape its clients parse: `{ detail: "..." }`, and 422
 * `{ detail: [{ loc, msg, type }] }` for invalid requests (http/fastapi.ts builds the items).
 */

/** An error answered as `{ detail }`. */
export function commsError(status: ContentfulStatusCode, detail: string): HttpError {
  return new HttpError(status, detail, { detail });
}

export function commsValidationError(items: ValidationItem[]): HttpError {
  return new HttpError(422, items.map((i) => `${i.loc.join(".")}: ${i.msg}`).join("; "), { detail: items });
}

/** The sub-app's validation hook: 422 with an item per zod issue. */
export function commsHook(result: { success: true } | { success: false; error: z.ZodError; target?: string; data?: unknown }): undefined {
  if (result.success) return undefined;
  const location = locationOf(result.target);
  throw commsValidationError(result.error.issues.map((issue) => validationItem(issue, result.data, location)));
}

export const commsErrors: SurfaceErrors = {
  domain(c, err) {
    // A use case's complaint about one field reads as pydantic's value error on it.
    if (err.code === "INVALID_INPUT" && err.details.field) {
      return c.json({ detail: [{ loc: ["body", ...err.details.field], msg: `Value error, ${err.message}`, type: "value_error" }] }, 422);
    }
    return c.json({ detail: err.message }, DOMAIN_STATUS[err.code]);
  },
  http(c, err) {
    const status = err.status as ContentfulStatusCode;
    if (err instanceof HttpError) return c.json(isDetail(err.body) ? err.body : { detail: err.message }, status);
    if (status === 400 && /json/i.test(err.message)) return c.json({ detail: [JSON_DECODE_ERROR] }, 422);
    return c.json({ detail: err.message || "Bad Request" }, status);
  },
  internal: (c) => c.json({ detail: "Internal Server Error" }, 500),
};

export function commsNotFound(c: Context<AppEnv>): Response {
  return c.json({ detail: "Not Found" }, 404);
}

function isDetail(body: unknown): body is { detail: unknown } {
  return typeof body === "object" && body !== null && "detail" in body;
}
