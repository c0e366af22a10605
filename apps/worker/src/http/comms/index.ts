import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { surfaceErrorHandler } from "../errors";
import { apiKeyAuth } from "../middleware/auth";
import { limitBody } from "../middleware/body-limit";
import { idempotency } from "../middleware/idempotency";
import { rateLimit } from "../middleware/rate-limit";
import { CommsErrorDetail } from "@switchboard/schemas";
import { documentIdempotencyKey } from "../openapi/idempotency";
import { documentRateLimits } from "../openapi/rate-limits";
import { registerCommsCallRoutes } from "./call";
import { commsErrors, commsHook, commsNotFound } from "./errors";
import { registerCommsSecurity } from "./openapi";
import { registerSendMessageRoute, SEND_MESSAGE_PATH, sendMessageBodyLimit } from "./send-message";
import { requireTenantHeader } from "./tenant-header";

/**
 * The /comms surface: a healthcare platform's published API, served as its clients expect
 * (`API-KEY` and `TENANT` headers, FastAPI's error shapes), on Switchboard's calls and texts.
 */
export function commsSurface() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: commsHook });
  app.onError(surfaceErrorHandler(commsErrors));
  // Attachments are larger than any JSON body: send-message has its own limit. Both apply before
  // anything reads the body (the Idempotency-Key middleware reads all of it).
  const jsonLimit = limitBody();
  const uploadLimit = sendMessageBodyLimit();
  app.use("*", (c, next) => (c.req.path.endsWith(SEND_MESSAGE_PATH) ? uploadLimit(c, next) : jsonLimit(c, next)));
  app.use("*", apiKeyAuth, requireTenantHeader, rateLimit, idempotency);

  registerCommsSecurity(app);
  registerCommsCallRoutes(app);
  registerSendMessageRoute(app);
  documentIdempotencyKey(app, { envelope: false });
  documentRateLimits(app, CommsErrorDetail);

  app.all("*", commsNotFound);
  return app;
}
