import type { App } from "../../types";
import { registerCommsCallRoutes } from "./call";
import { registerCommsSecurity } from "./openapi";
import { registerSendMessageRoute } from "./send-message";

/** The /comms surface: a healthcare platform's published API, served as its clients expect. */
export function registerCommsRoutes(app: App) {
  registerCommsSecurity(app);
  registerCommsCallRoutes(app);
  registerSendMessageRoute(app);
}
