import { Hono, type MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { envelopeNotFound } from "../envelope";
import { surfaceErrorHandler } from "../errors";
import { limitBody } from "../middleware/body-limit";
import { serveAsset } from "../middleware/static-assets";
import { consoleHeaders, csrfGuard, operatorSessionAuth, tenantSessionAuth } from "./auth";
import { consoleErrors } from "./errors";
import { registerSessionRoutes } from "./session";
import { consoleShell } from "./shell";

/** A surface built with the given authentication (the console hands it its session's). */
type SurfaceWith = (auth: MiddlewareHandler<AppEnv>) => Hono<AppEnv>;

/**
 * The operator console, mounted at /console: a browser app (apps/console) signed in with a session
 * cookie. Its data comes from the same surfaces as everyone's, `/api/v1` and `/admin`, mounted here
 * again behind the session instead of a key (so the public API stays key-only), through the SDK.
 * A plain Hono app: nothing here joins the OpenAPI document.
 */
export function consoleSurface(surfaces: { tenantApi: SurfaceWith; operatorApi: SurfaceWith }) {
  const app = new Hono<AppEnv>();
  app.onError(surfaceErrorHandler(consoleErrors));
  app.use("*", consoleHeaders, csrfGuard);

  app.use("/session", limitBody(4096));
  registerSessionRoutes(app);
  app.route("/api/v1", surfaces.tenantApi(tenantSessionAuth));
  app.route("/admin", surfaces.operatorApi(operatorSessionAuth));
  app.get("/assets/*", serveAsset);
  // Every other page is the app's: it routes in the browser, and shows its own "not found".
  app.get("/", consoleShell);
  app.get("/*", consoleShell);
  app.all("*", envelopeNotFound);
  return app;
}
