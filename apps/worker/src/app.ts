import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { ApiError, notFound, onError } from "./errors";
import { adminAuth, apiKeyAuth } from "./middleware/auth";
import { requestContext } from "./middleware/request-id";
import { registerKeyRoutes } from "./routes/admin/keys";
import { registerTenantRoutes } from "./routes/admin/tenants";
import { registerAgentRoutes } from "./routes/agents";
import { registerCallRoutes } from "./routes/calls";
import { registerDocs } from "./routes/docs";
import { registerPatientRoutes } from "./routes/patients";
import { registerProviderRoutes } from "./routes/providers";
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

  registerTenantRoutes(app);
  registerKeyRoutes(app);
  registerPatientRoutes(app);
  registerAgentRoutes(app);
  registerCallRoutes(app);
  registerProviderRoutes(app);
  registerWebhookRoutes(app);
  registerDocs(app);

  app.get("/", (c) => c.json({ name: "switchboard", docs: "/docs", openapi: "/openapi.json" }));
  app.notFound(notFound);
  app.onError(onError);
  return app;
}
