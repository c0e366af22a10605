import type { z } from "zod";

/*
 * FastAPI's error shapes, which the /comms platform's and Vocode's clients already parse:
 * `{ detail: "..." }` for errors a handler raises, and 422 `{ detail: [{ loc, msg, type }] }` for
 * request validation, in pydantic v2's types and words. The one builder both surfaces use.
 */

export interface ValidationItem {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** Where FastAPI says a value came from, by hono's validation target. */
const LOCATION: Record<string, string> = { json: "body", form: "body", query: "query", param: "path", header: "header" };

export function locationOf(target: string | undefined): string {
  return LOCATION[target ?? "json"] ?? "body";
}

/** A zod issue as pydantic reports it. `raw` is the input that failed (to tell a missing field from a wrong one). */
export function validationItem(issue: z.core.$ZodIssue, raw: unknown, location: string): ValidationItem {
  const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
  const loc = [location, ...path];
  const value = valueAt(raw, path);
  if (value === undefined && path.length > 0 && (issue.code === "invalid_type" || issue.code === "invalid_value")) {
    return { loc, msg: "Field required", type: "missing" };
  }
  const [type, msg] = pydanticWords(issue, location, path.length === 0);
  return { loc, msg, type };
}

function pydanticWords(issue: z.core.$ZodIssue, location: string, atRoot: boolean): [type: string, msg: string] {
  switch (issue.code) {
    case "invalid_type":
      switch (issue.expected) {
        case "object":
        case "record":
          return atRoot
            ? ["model_attributes_type", "Input should be a valid dictionary or object to extract fields from"]
            : ["dict_type", "Input should be a valid dictionary"];
        case "string":
          return ["string_type", "Input should be a valid string"];
        case "boolean":
          // JSON carries real booleans; query strings are parsed ("true", "1", "yes", …).
          return location === "body" ? ["bool_type", "Input should be a valid boolean"] : ["bool_parsing", "Input should be a valid boolean, unable to interpret input"];
        case "number":
        case "int":
          return location === "body" ? ["int_type", "Input should be a valid integer"] : ["int_parsing", "Input should be a valid integer, unable to parse string as an integer"];
        case "array":
          return ["list_type", "Input should be a valid list"];
        default:
          return ["value_error", `Value error, ${issue.message}`];
      }
    case "invalid_value":
      return ["enum", `Input should be ${oneOf(issue.values.map((v) => `'${String(v)}'`))}`];
    case "too_small":
      return issue.origin === "string"
        ? ["string_too_short", `String should have at least ${issue.minimum} character${Number(issue.minimum) === 1 ? "" : "s"}`]
        : ["greater_than_equal", `Input should be greater than or equal to ${issue.minimum}`];
    case "too_big":
      return issue.origin === "string"
        ? ["string_too_long", `String should have at most ${issue.maximum} character${Number(issue.maximum) === 1 ? "" : "s"}`]
        : ["less_than_equal", `Input should be less than or equal to ${issue.maximum}`];
    case "invalid_format":
      if (issue.format === "guid" || issue.format === "uuid") return ["uuid_parsing", "Input should be a valid UUID"];
      return ["value_error", `Value error, ${issue.message}`];
    default:
      return ["value_error", `Value error, ${issue.message}`];
  }
}

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

/** FastAPI's answer to a body it could not parse as JSON. */
export const JSON_DECODE_ERROR: ValidationItem = { loc: ["body", 0], msg: "JSON decode error", type: "json_invalid" };
