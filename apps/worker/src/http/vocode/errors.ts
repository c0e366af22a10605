import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { ApiError } from "../errors";
import { presentedKey } from "../middleware/auth";
import type { AppEnv } from "../context";
import type { HookResult } from "../hook";
import type { VocodeValidationItem } from "./schema";
import { errorSummary } from "../../lib/log-safe";

/**
 * Errors in the shape Vocode's FastAPI service answers and its SDKs parse: `{ detail: "…" }`, and
 * for validation `422 { detail: [{ loc, msg, type }] }` in pydantic's words.
 */
export class VocodeError extends ApiError {
  constructor(status: ContentfulStatusCode, detail: string | VocodeValidationItem[]) {
    super(status, typeof detail === "string" ? detail : "Validation failed", { detail });
  }
}

export function invalidField(loc: (string | number)[], msg: string, type = "value_error"): VocodeError {
  return new VocodeError(422, [{ loc, msg, type }]);
}

const LOCATION: Record<string, string> = { json: "body", query: "query", param: "path", header: "header" };

/** Validation hook for Vocode routes: zod issues become pydantic-style items. */
export function vocodeHook(result: HookResult): undefined {
  if (result.success) return undefined;
  const where = LOCATION[result.target] ?? "body";
  throw new VocodeError(422, result.error.issues.map((issue) => pydanticItem(issue, where, result.data)));
}

function pydanticItem(issue: z.core.$ZodIssue, where: string, raw: unknown): VocodeValidationItem {
  const loc = [where, ...issue.path.map((p) => (typeof p === "number" ? p : String(p)))];
  const [type, msg] = pydanticWords(issue, where, valueAt(raw, issue.path));
  return { loc, msg, type };
}

function pydanticWords(issue: z.core.$ZodIssue, where: string, value: unknown): [string, string] {
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return ["missing", "Field required"];
      switch (issue.expected) {
        case "string":
          return ["string_type", "Input should be a valid string"];
        case "boolean":
          return where === "body" ? ["bool_type", "Input should be a valid boolean"] : ["bool_parsing", "Input should be a valid boolean, unable to interpret input"];
        case "number":
        case "int":
          return ["int_parsing", "Input should be a valid integer, unable to parse string as an integer"];
        case "object":
        case "record":
          return ["dict_type", "Input should be a valid dictionary"];
        default:
          return ["value_error", issue.message];
      }
    case "invalid_value":
      return ["enum", `Input should be ${issue.values.map((v) => `'${String(v)}'`).join(", ").replace(/, ([^,]*)$/, " or $1")}`];
    case "too_small":
      return issue.origin === "string"
        ? ["string_too_short", `String should have at least ${issue.minimum} characters`]
        : ["greater_than_equal", `Input should be greater than or equal to ${issue.minimum}`];
    case "too_big":
      return issue.origin === "string"
        ? ["string_too_long", `String should have at most ${issue.maximum} characters`]
        : ["less_than_equal", `Input should be less than or equal to ${issue.maximum}`];
    case "invalid_format":
      return issue.format === "guid" || issue.format === "uuid" ? ["uuid_parsing", "Input should be a valid UUID"] : ["value_error", issue.message];
    default:
      return ["value_error", issue.message];
  }
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

export function vocodeOnError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof VocodeError) return c.json(err.body, err.status);
  if (err instanceof ApiError) {
    // The shared auth middleware, the body limit, and the core's own refusals.
    if (err.status === 401) {
      c.header("WWW-Authenticate", "Bearer");
      return c.json({ detail: presentedKey(c.req) ? "Invalid authentication credentials" : "Not authenticated" }, 401);
    }
    return c.json({ detail: err.message }, err.status);
  }
  if (err instanceof HTTPException && err.status === 400) {
    // Hono's JSON parser: FastAPI answers an unreadable body as a 422.
    return c.json({ detail: [{ loc: ["body"], msg: "JSON decode error", type: "json_invalid" }] }, 422);
  }
  if (err instanceof HTTPException) return c.json({ detail: err.message || "Bad request" }, err.status as ContentfulStatusCode);
  console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), error: errorSummary(err) }));
  return c.json({ detail: "Internal Server Error" }, 500);
}

export function vocodeNotFound(c: Context<AppEnv>): Response {
  return c.json({ detail: "Not Found" }, 404);
}
