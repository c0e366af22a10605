import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { envelopeErrors, envelopeNotFound } from "../envelope";
import { surfaceErrorHandler } from "../errors";
import { apiKeyAuth } from "../middleware/auth";
import { limitBody } from "../middleware/body-limit";
import { idempotency } from "../middleware/idempotency";
import { rateLimit } from "../middleware/rate-limit";
import { ErrorEnvelope } from "@switchboard/schemas";
import { documentIdempotencyKey } from "../openapi/idempotency";
import { documentRateLimits } from "../openapi/rate-limits";
import { envelopeHook } from "../validation";
import { registerAgentRoutes } from "./agents";
import { registerApiKeyRoutes } from "./api-keys";
import { registerAuditRoutes } from "./audit";
import { registerCallRoutes } from "./calls";
import { registerChatRoutes } from "./chats";
import { registerContactHistoryRoute, registerConsentRoutes } from "./consent";
import { registerContactPolicyRoutes } from "./contact-policy";
import { registerDoNotCallRoutes } from "./do-not-call";
import { registerExportRoutes } from "./exports";
import { registerMessagingSettingsRoutes } from "./messaging-settings";
import { registerPatientRoutes } from "./patients";
import { registerProviderRoutes } from "./providers";
import { registerUserRoutes } from "./users";
import { registerCustomerWebhookRoutes } from "./webhook-endpoints";

/**
 * Switchboard's own API, mounted at /api/v1: a tenant's API key, errors in the envelope
 * (http/envelope.ts). The console mounts it again behind its session (`auth`).
 */
export function apiV1Surface(options: { auth?: MiddlewareHandler<AppEnv> } = {}) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: envelopeHook });
  // Before the routes: Hono binds a sub-app's error handler to its routes when it is mounted.
  app.onError(surfaceErrorHandler(envelopeErrors));
  // Idempotency-Key after authentication (keys are per tenant) and the rate limit (a refused request is not stored).
  app.use("*", limitBody(), options.auth ?? apiKeyAuth, rateLimit, idempotency);

  registerPatientRoutes(app);
  registerAgentRoutes(app);
  registerCallRoutes(app);
  registerUserRoutes(app);
  registerChatRoutes(app);
  registerConsentRoutes(app);
  registerContactHistoryRoute(app);
  registerDoNotCallRoutes(app);
  registerContactPolicyRoutes(app);
  registerMessagingSettingsRoutes(app);
  registerProviderRoutes(app);
  registerCustomerWebhookRoutes(app);
  registerAuditRoutes(app);
  registerApiKeyRoutes(app);
  registerExportRoutes(app);
  documentIdempotencyKey(app, { envelope: true });
  documentRateLimits(app, ErrorEnvelope);

  // Hono calls `notFound` only on the top-level app: a sub-app answers its own 404s.
  app.all("*", envelopeNotFound);
  return app;
}
