import type { Context } from "hono";
import { commsSurface } from "./comms";
import type { App, AppEnv } from "./context";
import { vocodeSurface } from "./vocode";
import { voipbinSurface } from "./voipbin";

/**
 * APIs served in someone else's published shape on the normalized core (the /comms platform API,
 * Vocode's and VoIPbin's): each answers errors, including the shared middleware's, in its own shape.
 */
interface Surface {
  prefix: string;
  register(app: App): void;
  onError(err: Error, c: Context<AppEnv>): Response;
  notFound(c: Context<AppEnv>): Response;
}

export const SURFACES: readonly Surface[] = [vocodeSurface, voipbinSurface, commsSurface];

export function surfaceFor(path: string): Surface | undefined {
  return SURFACES.find((s) => path === s.prefix || path.startsWith(`${s.prefix}/`));
}
