import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { envelopeErrors, envelopeNotFound } from "../envelope";
import { surfaceErrorHandler } from "../errors";
import { apiKeyAuth } from "../middleware/auth";
import { limitBody } from "../middleware/body-limit";
import { idempotency } from "../middleware/idempotency";
import { documentIdempotencyKey } from "../openapi/idempotency";
import { envelopeHook } from "../validation";
import { registerAgentRoutes } from "./agents";
import { registerAuditRoutes } from "./audit";
import { registerCallRoutes } from "./calls";
import { registerChatRoutes } from "./chats";
import { registerExportRoutes } from "./exports";
import { registerConsentRoutes } from "./consent";
import { registerMessagingSettingsRoutes } from "./messaging-settings";
import { registerPatientRoutes } from "./patients";
import { registerProviderRoutes } from "./providers";
import { registerUserRoutes } from "./users";
import { registerCustomerWebhookRoutes } from "./webhook-endpoints";

/** Switchboard's own API, mounted at /api/v1: a tenant's API key, errors in the envelope (http/envelope.ts). */
export function apiV1Surface() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: envelopeHook });
  // Before the routes: Hono binds a sub-app's error handler to its routes when it is mounted.
  app.onError(surfaceErrorHandler(envelopeErrors));
  // Idempotency-Key after authentication: keys are per tenant.
  app.use("*", limitBody(), apiKeyAuth, idempotency);

  registerPatientRoutes(app);
  registerAgentRoutes(app);
  registerCallRoutes(app);
  registerUserRoutes(app);
  registerChatRoutes(app);
  registerConsentRoutes(app);
  registerMessagingSettingsRoutes(app);
  registerProviderRoutes(app);
  registerCustomerWebhookRoutes(app);
  registerAuditRoutes(app);
  registerExportRoutes(app);
  documentIdempotencyKey(app, { envelope: true });

  // Hono calls `notFound` only on the top-level app: a sub-app answers its own 404s.
  app.all("*", envelopeNotFound);
  return app;
}
