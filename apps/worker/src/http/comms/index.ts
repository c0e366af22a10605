import type { Context } from "hono";
import { commsErrorResponse } from "./errors";
import type { App, AppEnv } from "../context";
import { registerCommsCallRoutes } from "./call";
import { registerCommsSecurity } from "./openapi";
import { registerSendMessageRoute } from "./send-message";

/** The /comms surface: a healthcare platform's published API, served as its clients expect (FastAPI's error shapes included). */
export const commsSurface = {
  prefix: "/comms",
  register(app: App) {
    registerCommsSecurity(app);
    registerCommsCallRoutes(app);
    registerSendMessageRoute(app);
  },
  onError: commsErrorResponse,
  notFound: (c: Context<AppEnv>) => c.json({ detail: "Not Found" }, 404),
};
