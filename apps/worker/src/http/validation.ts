import type { Hook } from "@hono/zod-openapi";
import type { z } from "zod";
import { describeIssues } from "../lib/issues";
import type { AppEnv } from "./context";
import { HttpError } from "./errors";

/** What a route's validation hook is given (the raw input is `data` when validation failed). */
export type HookResult = { success: true } | { success: false; error: z.ZodError; target: string; data?: unknown };

/** The envelope surfaces' hook (/api/v1, /admin): a 400 built from the zod issues. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const envelopeHook: Hook<any, AppEnv, any, undefined> = (result) => {
  if (!result.success) {
    throw new HttpError(400, `Validation failed: ${describeIssues(result.error.issues)}`);
  }
};
