import { createMiddleware } from "hono/factory";
import { createDb } from "../../lib/db";
import type { AppEnv } from "../context";

/** Gives every request an id (echoed as X-Request-Id and in error envelopes) and a db handle. */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = `req_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`;
  c.set("requestId", requestId);
  c.set("db", createDb(c.env.DB));
  await next();
  c.header("X-Request-Id", requestId);
});
