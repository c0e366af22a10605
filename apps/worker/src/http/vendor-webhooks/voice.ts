import { createRoute, z } from "@hono/zod-openapi";
import { isVendor } from "@switchboard/schemas";
import { HttpError } from "../errors";
import { findByWebhookTokenOnAnyShard } from "../../voice/credentials";
import { resolveTenantShard } from "../middleware/tenant-shard";
import { adapterFromRow } from "../../voice/adapters";
import type { App } from "../context";
import { deliverEvents } from "../../voice/inbound-events";
import { errorResponses, jsonResponse } from "../openapi/helpers";

const Received = z
  .object({
    received: z.literal(true),
    applied: z.number().int().openapi({ description: "Events that changed a call" }),
    unchanged: z.number().int().openapi({ description: "Duplicates, older events, and events awaiting the vendor's confirmation" }),
    unmatched: z.number().int().openapi({ description: "Events for no call of this tenant, kept for inspection" }),
  })
  .openapi("WebhookReceipt");

export function registerVoiceWebhookRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/{provider}/{token}", operationId: "receiveVoiceVendorWebhook", tags: ["Vendor webhooks"],
      // No API key: the vendor's signature (or, for Vocode, the URL's token) is the credential.
      security: [],
      summary: "Vendor webhooks (Retell, LiveKit, Vocode, VoIPbin) for the tenant whose URL this is",
      description:
        "The vendor's signature is checked on the raw body before anything else: a bad, stale or missing one is a 401 and changes nothing. " +
        "Get the URL from `GET /api/v1/providers/{provider}`.",
      request: {
        params: z.object({
          provider: z.string().openapi({ param: { name: "provider", in: "path" }, example: "retell" }),
          token: z.string().openapi({ param: { name: "token", in: "path" } }),
        }),
      },
      responses: { 200: jsonResponse(Received, "Accepted"), ...errorResponses(400, 401, 413) },
    }),
    async (c) => {
      const { provider, token } = c.req.valid("param");
      const row = isVendor(provider) ? await findByWebhookTokenOnAnyShard(c.env, token) : undefined;
      if (!row || row.provider !== provider) throw new HttpError(401, "Unknown webhook URL");
      await resolveTenantShard(c, row.tenantId);
      const body = await c.req.text();
      const adapter = await adapterFromRow(c.env, row);
      if (!(await adapter.verifyWebhook!({ body, headers: c.req.raw.headers }))) {
        throw new HttpError(401, "Webhook signature missing, invalid or stale");
      }
      let events;
      try {
        events = adapter.parseWebhook!(body);
      } catch {
        throw new HttpError(400, `Not a ${provider} webhook body`);
      }
      const delivery = await deliverEvents(c.env, c.var.db, { tenantId: row.tenantId, provider }, events, body, (p) => c.executionCtx.waitUntil(p));
      return c.json({ received: true as const, ...delivery }, 200);
    },
  );
}
