import type { App } from "../../context";
import { documentWebhookEvents } from "../../openapi/webhook-events";
import { registerWebhookDeliveryRoutes } from "./deliveries";
import { registerWebhookEndpointRoutes } from "./endpoints";

export function registerCustomerWebhookRoutes(app: App) {
  registerWebhookEndpointRoutes(app);
  registerWebhookDeliveryRoutes(app);
  documentWebhookEvents(app);
}
