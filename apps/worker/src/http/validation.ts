import type { Hook } from "@hono/zod-openapi";
import type { z } from "zod";
import { ApiError } from "./errors";
import type { AppEnv } from "./context";

/** `a.b[0].c: message` for every issue, so a client sees all that is wrong at once. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

/** The app's default: a 400 in the /api/v1 envelope built from the zod issues. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const defaultHook: Hook<any, AppEnv, any, undefined> = (result) => {
  if (!result.success) {
    throw new ApiError(400, `Validation failed: ${describeIssues(result.error.issues)}`);
  }
};
