import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { envelopeErrors, envelopeNotFound } from "../envelope";
import { surfaceErrorHandler } from "../errors";
import { adminAuth } from "../middleware/auth";
import { limitBody } from "../middleware/body-limit";
import { envelopeHook } from "../validation";
import { registerDispatchRoutes } from "./dispatch";
import { registerFaultRoutes } from "./faults";
import { registerKeyRoutes } from "./keys";
import { registerTenantRoutes } from "./tenants";

/** The operator's API, mounted at /admin: the ADMIN_TOKEN, errors in the envelope. The console mounts it again behind its session (`auth`). */
export function adminSurface(options: { auth?: MiddlewareHandler<AppEnv> } = {}) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: envelopeHook });
  app.onError(surfaceErrorHandler(envelopeErrors));
  app.use("*", limitBody(), options.auth ?? adminAuth);
  registerTenantRoutes(app);
  registerKeyRoutes(app);
  registerDispatchRoutes(app);
  registerFaultRoutes(app);
  app.all("*", envelopeNotFound);
  return app;
}
