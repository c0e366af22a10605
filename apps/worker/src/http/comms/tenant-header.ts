import { createMiddleware } from "hono/factory";
import { commsValidationError } from "./errors";
import type { AppEnv } from "../context";

/**
 * /comms documents TENANT as a required header: without it the request is invalid (422, as FastAPI
 * answers a missing header). apiKeyAuth, run first, already refuses a TENANT naming another tenant.
 */
export const requireTenantHeader = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header("TENANT") === undefined) {
    throw commsValidationError([{ loc: ["header", "tenant"], msg: "Field required", type: "missing" }]);
  }
  await next();
});
