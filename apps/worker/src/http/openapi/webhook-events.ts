import { z } from "@hono/zod-openapi";
import { WEBHOOK_EVENT_DATA, WEBHOOK_EVENT_TYPES } from "@switchboard/schemas";
import type { App } from "../context";

const headers = z.object({
  "webhook-id": z.string().openapi({ description: "The event's id: the same on every retry, so receivers can drop duplicates" }),
  "webhook-timestamp": z.string().openapi({ description: "Seconds since the epoch, at this attempt" }),
  "webhook-signature": z.string().openapi({
    description: 'Space-separated `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`, one per active secret',
  }),
});

/** `call.status_changed` → `callStatusChanged`. */
const camel = (type: string) => type.replace(/[._](\w)/g, (_, letter: string) => letter.toUpperCase());

/** Documents every event under the OpenAPI 3.1 `webhooks` section: what a customer endpoint receives. */
export function documentWebhookEvents(app: App) {
  for (const type of WEBHOOK_EVENT_TYPES) {
    const body = z.object({ type: z.literal(type), timestamp: z.string(), data: WEBHOOK_EVENT_DATA[type] });
    app.openAPIRegistry.registerWebhook({
      method: "post",
      path: type,
      operationId: `${camel(type)}Event`,
      summary: `${type}, as POSTed to your endpoint (Standard Webhooks)`,
      // Switchboard calls you: your endpoint checks webhook-signature (no scheme in OpenAPI's terms).
      security: [],
      request: { headers, body: { content: { "application/json": { schema: body } } } },
      responses: {
        200: { description: "Any 2xx acknowledges it. Anything else is retried (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h); 410 disables the endpoint." },
      },
    });
  }
}
