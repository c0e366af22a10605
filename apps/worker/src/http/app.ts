import { OpenAPIHono } from "@hono/zod-openapi";
import { requestContext, type App, type AppEnv } from "./context";
import { adminSurface } from "./admin";
import { apiV1Surface } from "./api-v1";
import { commsSurface } from "./comms";
import { consoleSurface } from "./console";
import { registerDocs } from "./docs";
import { envelopeErrors, envelopeNotFound } from "./envelope";
import { surfaceErrorHandler } from "./errors";
import { registerExportDownloadRoutes } from "./exports";
import { registerFileRoutes } from "./files";
import { documentWebhookEvents } from "./openapi/webhook-events";
import { envelopeHook } from "./validation";
import { vendorWebhooksSurface } from "./vendor-webhooks";
import { vocodeSurface } from "./vocode";
import { voipbinSurface } from "./voipbin";

/**
 * The API worker's HTTP side: one sub-app per surface, each with its own authentication,
 * validation hook, error shape and 404, mounted once here.
 */
export function createApp(): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: envelopeHook });
  app.use("*", requestContext);

  app.route("/api/v1", apiV1Surface());
  app.route("/admin", adminSurface());
  app.route("/comms", commsSurface());
  app.route("/v1", vocodeSurface());
  app.route("/v1.0", voipbinSurface());
  app.route("/webhooks", vendorWebhooksSurface());
  // The console is not an OpenAPI app: mounting it documents nothing twice.
  app.route("/console", consoleSurface({ tenantApi: (auth) => apiV1Surface({ auth }), operatorApi: (auth) => adminSurface({ auth }) }));

  // Outside any surface: signed attachment links, the API's own description, the index.
  registerFileRoutes(app);
  registerExportDownloadRoutes(app);
  documentWebhookEvents(app);
  registerDocs(app);
  app.get("/", (c) => c.json({ name: "switchboard", docs: "/docs", openapi: "/openapi.json", console: "/console" }));
  app.notFound(envelopeNotFound);
  app.onError(surfaceErrorHandler(envelopeErrors));
  return app;
}
