import type { SurfaceErrors } from "../errors";
import { envelopeErrors } from "../envelope";

/**
 * The console's JSON answers (sign-in, and the tenant and operator APIs behind a session) use
 * Switchboard's error envelope, so the console reads every error the same way. Its pages never
 * fail: the app shows its own "not found" for paths it does not know.
 */
export const consoleErrors: SurfaceErrors = envelopeErrors;
