import type { App } from "../../types";
import { documentWebhookEvents } from "../../webhooks/openapi";
import { registerWebhookDeliveryRoutes } from "./deliveries";
import { registerWebhookEndpointRoutes } from "./endpoints";

export function registerWebhookRoutes(app: App) {
  registerWebhookEndpointRoutes(app);
  registerWebhookDeliveryRoutes(app);
  documentWebhookEvents(app);
}
