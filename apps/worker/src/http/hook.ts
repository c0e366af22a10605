import type { z } from "zod";

/** What a route's validation hook is given (the raw input is `data` when validation failed). */
export type HookResult = { success: true } | { success: false; error: z.ZodError; target: string; data?: unknown };
