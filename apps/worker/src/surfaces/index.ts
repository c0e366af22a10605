import type { Context } from "hono";
import type { App, AppEnv } from "../types";
import { vocodeSurface } from "./vocode";
import { voipbinSurface } from "./voipbin";

/**
 * Vendor-compatible surfaces: each serves a vendor's API shape on the normalized core, and answers
 * errors (including the shared middleware's) in that vendor's shape.
 */
interface Surface {
  prefix: string;
  register(app: App): void;
  onError(err: Error, c: Context<AppEnv>): Response;
  notFound(c: Context<AppEnv>): Response;
}

export const SURFACES: readonly Surface[] = [vocodeSurface, voipbinSurface];

export function surfaceFor(path: string): Surface | undefined {
  return SURFACES.find((s) => path === s.prefix || path.startsWith(`${s.prefix}/`));
}
