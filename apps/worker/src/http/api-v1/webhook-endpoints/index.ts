import type { App } from "../../context";
import { registerWebhookDeliveryRoutes } from "./deliveries";
import { registerWebhookEndpointRoutes } from "./endpoints";

export function registerCustomerWebhookRoutes(app: App) {
  registerWebhookEndpointRoutes(app);
  registerWebhookDeliveryRoutes(app);
}
