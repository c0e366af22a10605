import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { ApiError, notFound, onError } from "./errors";
import { documentIdempotencyKey } from "./idempotency/openapi";
import { adminAuth, apiKeyAuth } from "./middleware/auth";
import { idempotency } from "./middleware/idempotency";
import { requestContext } from "./middleware/request-id";
import { registerKeyRoutes } from "./routes/admin/keys";
import { registerTenantRoutes } from "./routes/admin/tenants";
import { registerAgentRoutes } from "./routes/agents";
import { registerAuditRoutes } from "./routes/audit";
import { registerCallRoutes } from "./routes/calls";
import { registerDocs } from "./routes/docs";
import { registerPatientRoutes } from "./routes/patients";
import { registerWebhookRoutes } from "./routes/webhooks";
import type { App, AppEnv } from "./types";
import { defaultHook } from "./validation";

/** Largest JSON body accepted: a 1,000-patient batch with generous `extended` data fits. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export function createApp(): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook });

  app.use("*", requestContext);
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, `Request body too large (limit ${MAX_BODY_BYTES} bytes)`);
      },
    }),
  );
  app.use("/admin/*", adminAuth);
  app.use("/api/v1/*", apiKeyAuth);
  // After authentication (keys are per tenant). /comms/* must have its own auth mounted above this.
  app.use("/api/v1/*", idempotency);
  app.use("/comms/*", idempotency);

  registerTenantRoutes(app);
  registerKeyRoutes(app);
  registerPatientRoutes(app);
  registerAgentRoutes(app);
  registerCallRoutes(app);
  registerWebhookRoutes(app);
  registerAuditRoutes(app);
  registerDocs(app);
  // Last, so it sees every POST route.
  documentIdempotencyKey(app);

  app.get("/", (c) => c.json({ name: "switchboard", docs: "/docs", openapi: "/openapi.json" }));
  app.notFound(notFound);
  app.onError(onError);
  return app;
}
