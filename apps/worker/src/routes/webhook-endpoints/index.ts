import type { App } from "../../types";
import { documentWebhookEvents } from "../../webhooks/openapi";
import { registerWebhookDeliveryRoutes } from "./deliveries";
import { registerWebhookEndpointRoutes } from "./endpoints";

export function registerCustomerWebhookRoutes(app: App) {
  registerWebhookEndpointRoutes(app);
  registerWebhookDeliveryRoutes(app);
  documentWebhookEvents(app);
}
