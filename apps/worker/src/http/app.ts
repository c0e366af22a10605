import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { ApiError, notFound, onError } from "./errors";
import { documentIdempotencyKey } from "./openapi/idempotency";
import { adminAuth, apiKeyAuth } from "./middleware/auth";
import { requireTenantHeader } from "./comms/tenant-header";
import { idempotency } from "./middleware/idempotency";
import { requestContext } from "./middleware/request-context";
import { registerKeyRoutes } from "./admin/keys";
import { registerTenantRoutes } from "./admin/tenants";
import { registerAgentRoutes } from "./api-v1/agents";
import { registerAuditRoutes } from "./api-v1/audit";
import { registerCallRoutes } from "./api-v1/calls";
import { registerChatRoutes } from "./api-v1/chats";
import { SEND_MESSAGE_PATH } from "./comms/send-message";
import { registerConsentRoutes } from "./api-v1/consent";
import { registerDocs } from "./docs";
import { registerFileRoutes } from "./files";
import { registerMessagingSettingsRoutes } from "./api-v1/messaging-settings";
import { registerPatientRoutes } from "./api-v1/patients";
import { SURFACES, surfaceFor } from "./surfaces";
import { voipbinAuth } from "./voipbin/auth";
import { registerUserRoutes } from "./api-v1/users";
import { registerTwilioWebhooks } from "./vendor-webhooks/twilio";
import { registerProviderRoutes } from "./api-v1/providers";
import { registerCustomerWebhookRoutes } from "./api-v1/webhook-endpoints";
import { registerVoiceWebhookRoutes } from "./vendor-webhooks/voice";
import type { App, AppEnv } from "./context";
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
