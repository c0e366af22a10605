import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { surfaceErrorHandler } from "../errors";
import { limitBody } from "../middleware/body-limit";
import { idempotency } from "../middleware/idempotency";
import { rateLimit } from "../middleware/rate-limit";
import { documentIdempotencyKey } from "../openapi/idempotency";
import { documentRateLimits } from "../openapi/rate-limits";
import { VoipbinErrorResponse } from "./schema";
import { registerAicalls } from "./aicalls";
import { voipbinAuth } from "./auth";
import { voipbinErrors, voipbinHook, voipbinNotFound } from "./errors";

/** VoIPbin's AI-call API, mounted at /v1.0, on Switchboard's calls. */
export function voipbinSurface() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: voipbinHook });
  app.onError(surfaceErrorHandler(voipbinErrors));
  app.use("*", limitBody(), voipbinAuth, rateLimit, idempotency);
  app.openAPIRegistry.registerComponent("securitySchemes", "VoipbinAccessKey", {
    type: "apiKey",
    in: "query",
    name: "accesskey",
    description:
      "A Switchboard API key where VoIPbin clients put their access key (`?token=` works too). Query strings end up in proxy, CDN and " +
      "server logs: prefer `Authorization: Bearer`, or send a key limited to this surface (POST /api/v1/api-keys `{\"surface\": \"voipbin\"}`), " +
      "which every other surface refuses.",
  });
  registerAicalls(app);
  documentIdempotencyKey(app, { envelope: false });
  documentRateLimits(app, VoipbinErrorResponse);
  app.all("*", voipbinNotFound);
  return app;
}
