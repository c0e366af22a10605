import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { surfaceErrorHandler } from "../errors";
import { apiKeyAuth } from "../middleware/auth";
import { limitBody } from "../middleware/body-limit";
import { idempotency } from "../middleware/idempotency";
import { rateLimit } from "../middleware/rate-limit";
import { documentIdempotencyKey } from "../openapi/idempotency";
import { documentRateLimits } from "../openapi/rate-limits";
import { VocodeHttpError } from "./schema";
import { registerVocodeCalls } from "./calls";
import { registerVocodeCreate } from "./create";
import { vocodeErrors, vocodeHook, vocodeNotFound } from "./errors";

/** Vocode's hosted calls API, mounted at /v1, on Switchboard's calls. */
export function vocodeSurface() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: vocodeHook });
  app.onError(surfaceErrorHandler(vocodeErrors));
  // A retried create must not dial twice here either.
  app.use("*", limitBody(), apiKeyAuth, rateLimit, idempotency);
  registerVocodeCreate(app);
  registerVocodeCalls(app);
  documentIdempotencyKey(app, { envelope: false });
  documentRateLimits(app, VocodeHttpError);
  app.all("*", vocodeNotFound);
  return app;
}
