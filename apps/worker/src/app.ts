import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { ApiError, notFound, onError } from "./errors";
import { documentIdempotencyKey } from "./idempotency/openapi";
import { adminAuth, apiKeyAuth } from "./middleware/auth";
import { requireTenantHeader } from "./middleware/comms-tenant";
import { idempotency } from "./middleware/idempotency";
import { requestContext } from "./middleware/request-id";
import { registerKeyRoutes } from "./routes/admin/keys";
import { registerTenantRoutes } from "./routes/admin/tenants";
import { registerAgentRoutes } from "./routes/agents";
import { registerAuditRoutes } from "./routes/audit";
import { registerCallRoutes } from "./routes/calls";
import { registerChatRoutes } from "./routes/chats";
import { SEND_MESSAGE_PATH } from "./routes/comms/send-message";
import { registerConsentRoutes } from "./routes/consent";
import { registerDocs } from "./routes/docs";
import { registerFileRoutes } from "./routes/files";
import { registerMessagingSettingsRoutes } from "./routes/messaging/settings";
import { registerPatientRoutes } from "./routes/patients";
import { SURFACES, surfaceFor } from "./surfaces";
import { voipbinAuth } from "./surfaces/voipbin/auth";
import { registerUserRoutes } from "./routes/users";
import { registerTwilioWebhooks } from "./routes/webhooks/twilio";
import { registerProviderRoutes } from "./routes/providers";
import { registerCustomerWebhookRoutes } from "./routes/webhook-endpoints";
import { registerVoiceWebhookRoutes } from "./routes/webhooks/voice";
import type { App, AppEnv } from "./types";
import { defaultHook } from "./validation";

/** Largest JSON body accepted: a 1,000-patient batch with generous `extended` data fits. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export function createApp(): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook });

  app.use("*", requestContext);
  const jsonBodyLimit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, `Request body too large (limit ${MAX_BODY_BYTES} bytes)`);
    },
  });
  // Message attachments are larger than any JSON body: that route sets its own limit.
  app.use("*", (c, next) => (c.req.path === SEND_MESSAGE_PATH ? next() : jsonBodyLimit(c, next)));
  app.use("/admin/*", adminAuth);
  app.use("/api/v1/*", apiKeyAuth);
  app.use("/v1/*", apiKeyAuth);
  app.use("/v1.0/*", voipbinAuth);
  app.use("/comms/*", apiKeyAuth, requireTenantHeader);
  // After authentication (keys are per tenant). Each prefix must have its own auth mounted above this.
  // The vendor surfaces place calls through the same core, so a retried create must not dial twice there either.
  app.use("/api/v1/*", idempotency);
  app.use("/comms/*", idempotency);
  app.use("/v1/*", idempotency);
  app.use("/v1.0/*", idempotency);

  registerTenantRoutes(app);
  registerKeyRoutes(app);
  registerPatientRoutes(app);
  registerAgentRoutes(app);
  registerCallRoutes(app);
  for (const surface of SURFACES) surface.register(app);
  registerUserRoutes(app);
  registerChatRoutes(app);
  registerConsentRoutes(app);
  registerMessagingSettingsRoutes(app);
  registerProviderRoutes(app);
  registerVoiceWebhookRoutes(app);
  registerTwilioWebhooks(app);
  registerFileRoutes(app);
  registerCustomerWebhookRoutes(app);
  registerAuditRoutes(app);
  registerDocs(app);
  // Last, so it sees every POST route.
  documentIdempotencyKey(app);

  app.get("/", (c) => c.json({ name: "switchboard", docs: "/docs", openapi: "/openapi.json" }));
  app.notFound((c) => surfaceFor(c.req.path)?.notFound(c) ?? notFound(c));
  app.onError((err, c) => surfaceFor(c.req.path)?.onError(err, c) ?? onError(err, c));
  return app;
}
