import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../context";
import { DOMAIN_STATUS } from "../domain-status";
import { HttpError, type SurfaceErrors } from "../errors";
import { JSON_DECODE_ERROR, locationOf, validationItem } from "../fastapi";
import type { HookResult } from "../validation";
import { presentedKey } from "../middleware/auth";
import type { VocodeValidationItem } from "./schema";

/*
 * Errors in the shape Vocode's FastAPI service answers and its SDKs parse: `{ detail: "…" }`, and
 * for validation `422 { detail: [{ loc, msg, type }] }` in pydantic's words (http/fastapi.ts).
 */

export class VocodeError extends HttpError {
  constructor(status: ContentfulStatusCode, detail: string | VocodeValidationItem[]) {
    super(status, typeof detail === "string" ? detail : "Validation failed", { detail });
  }
}

export function invalidField(loc: (string | number)[], msg: string, type = "value_error"): VocodeError {
  return new VocodeError(422, [{ loc, msg, type }]);
}

/** The sub-app's validation hook: zod issues become pydantic-style items. */
export function vocodeHook(result: HookResult): undefined {
  if (result.success) return undefined;
  const location = locationOf(result.target);
  throw new VocodeError(422, result.error.issues.map((issue) => validationItem(issue, result.data, location)));
}

export const vocodeErrors: SurfaceErrors = {
  domain: (c, err) => {
    // Vocode refuses a number on the do-not-call list with a 400 (run_do_not_call_detection off).
    if (err.code === "CONTACT_REFUSED") return c.json({ detail: "to_number is on the do-not-call list" }, 400);
    return c.json({ detail: err.message }, DOMAIN_STATUS[err.code]);
  },
  http(c, err) {
    if (err instanceof VocodeError) return c.json(err.body, err.status);
    const status = err.status as ContentfulStatusCode;
    if (status === 401) {
      // FastAPI's HTTPBearer answers.
      c.header("WWW-Authenticate", "Bearer");
      return c.json({ detail: presentedKey(c.req) ? "Invalid authentication credentials" : "Not authenticated" }, 401);
    }
    // Hono's JSON parser: FastAPI answers an unreadable body as a 422.
    if (status === 400 && !(err instanceof HttpError)) return c.json({ detail: [JSON_DECODE_ERROR] }, 422);
    return c.json({ detail: err.message || "Bad request" }, status);
  },
  internal: (c) => c.json({ detail: "Internal Server Error" }, 500),
};

export function vocodeNotFound(c: Context<AppEnv>): Response {
  return c.json({ detail: "Not Found" }, 404);
}
