import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { ApiError } from "../errors";
import type { AppEnv } from "../context";
import { errorSummary } from "../../lib/log-safe";

// Errors on /comms take the FastAPI shape its clients already parse: `{ detail: "..." }` for
// errors raised by handlers, `{ detail: [{ loc, msg, type }] }` (422) for request validation,
// with pydantic's types and messages for the cases that have one.

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** An error answered as `{ detail }` on /comms. */
export function commsError(status: ContentfulStatusCode, detail: string): ApiError {
  return new ApiError(status, detail, { detail });
}

export function commsValidationError(issues: ValidationIssue[]): ApiError {
  return new ApiError(422, issues.map((i) => `${i.loc.join(".")}: ${i.msg}`).join("; "), { detail: issues });
}

const LOCATIONS: Record<string, string> = { json: "body", form: "body", query: "query", param: "path", header: "header" };

/** Validation hook for /comms routes (pass as `(result) => commsHook(result)`): 422 in FastAPI's shape. */
export function commsHook(result: { success: true } | { success: false; error: z.ZodError; target?: string; data?: unknown }): undefined {
  if (result.success) return undefined;
  const location = LOCATIONS[result.target ?? "json"] ?? "body";
  throw commsValidationError(result.error.issues.map((issue) => toValidationIssue(issue, result.data, location)));
}

export function toValidationIssue(issue: z.core.$ZodIssue, raw: unknown, location: string): ValidationIssue {
  const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
  const loc = [location, ...path];
  const value = valueAt(raw, path);
  if (value === undefined && path.length > 0 && (issue.code === "invalid_type" || issue.code === "invalid_value")) {
    return { loc, msg: "Field required", type: "missing" };
  }
  switch (issue.code) {
    case "invalid_type":
      if (issue.expected === "object") {
        return path.length === 0
          ? { loc, msg: "Input should be a valid dictionary or object to extract fields from", type: "model_attributes_type" }
          : { loc, msg: "Input should be a valid dictionary", type: "dict_type" };
      }
      return { loc, msg: `Input should be a valid ${PYDANTIC_NAMES[issue.expected] ?? issue.expected}`, type: `${issue.expected}_type` };
    case "invalid_value":
      return { loc, msg: `Input should be ${oneOf(issue.values.map((v) => `'${String(v)}'`))}`, type: "enum" };
    case "too_big":
      if (issue.origin === "string") return { loc, msg: `String should have at most ${issue.maximum} characters`, type: "string_too_long" };
      break;
    case "too_small":
      if (issue.origin === "string") return { loc, msg: `String should have at least ${issue.minimum} character${Number(issue.minimum) === 1 ? "" : "s"}`, type: "string_too_short" };
      break;
  }
  return { loc, msg: `Value error, ${issue.message}`, type: "value_error" };
}

const PYDANTIC_NAMES: Record<string, string> = { string: "string", number: "number", boolean: "boolean", array: "list" };

/** pydantic's "'A', 'B' or 'C'". */
function oneOf(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = raw;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** `app.onError` for /comms (its entry in the SURFACES registry). */
export function commsErrorResponse(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof ApiError) {
    const body = hasDetail(err.body) ? err.body : { detail: err.message };
    return c.json(body, err.status);
  }
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) {
      return c.json({ detail: [{ loc: ["body", 0], msg: "JSON decode error", type: "json_invalid" }] }, 422);
    }
    return c.json({ detail: err.message || "Bad Request" }, err.status as ContentfulStatusCode);
  }
  console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), error: errorSummary(err) }));
  return c.json({ detail: "Internal Server Error" }, 500);
}

function hasDetail(body: unknown): body is { detail: unknown } {
  return typeof body === "object" && body !== null && "detail" in body;
}
