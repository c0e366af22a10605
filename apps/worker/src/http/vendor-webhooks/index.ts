import { resolveTenantShard } from "../middleware/tenant-shard";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { envelopeErrors, envelopeNotFound } from "../envelope";
import { surfaceErrorHandler } from "../errors";
import { limitBody } from "../middleware/body-limit";
import { envelopeHook } from "../validation";
import { registerTwilioWebhooks } from "./twilio";
import { registerVoiceWebhookRoutes } from "./voice";

/**
 * What vendors post to us, mounted at /webhooks: voice vendors' call events and Twilio's message
 * callbacks. No API key: each request is checked against the vendor's signature.
 */
export function vendorWebhooksSurface() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: envelopeHook });
  app.onError(surfaceErrorHandler(envelopeErrors));
  app.use("*", limitBody());
  // Twilio's URLs name the tenant: its shard, before the signature check reads its settings.
  app.use("/twilio/:tenantId/*", async (c, next) => {
    await resolveTenantShard(c, c.req.param("tenantId") ?? "");
    await next();
  });
  // Twilio's fixed paths first: `/{provider}/{token}` must not read them as a provider and token.
  registerTwilioWebhooks(app);
  registerVoiceWebhookRoutes(app);
  app.all("*", envelopeNotFound);
  return app;
}
