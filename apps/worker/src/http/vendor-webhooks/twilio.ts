import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { optOutAndAnnounce } from "../../consent/opt-out-events";
import { HttpError } from "../errors";
import { receiveText } from "../../messages/inbound";
import { changeMessageStatus } from "../../messages/events";
import { fromTwilioStatus } from "../../sms/twilio";
import { getMessage, messageByProviderId } from "../../messages/store";
import { fetchInboundMedia } from "../../sms/inbound-media";
import { getMessagingSettings, twilioConfig } from "../../sms/settings";
import type { TwilioConfig } from "../../sms/twilio";
import { verifyTwilioSignature } from "../../sms/twilio-signature";
import type { App, AppEnv } from "../context";
import { errorResponses } from "../openapi/helpers";

const tags = ["Vendor webhooks"];
const TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** Twilio posts form fields; every one is signed, so all are kept (and none is required by the schema). */
const TwilioForm = z.record(z.string(), z.union([z.string(), z.array(z.string())])).openapi("TwilioWebhookForm");
const formBody = { required: true as const, content: { "application/x-www-form-urlencoded": { schema: TwilioForm } } };
const tenantParam = z.string().openapi({ param: { name: "tenantId", in: "path" } });

/**
 * The request's fields after checking X-Twilio-Signature with the tenant's auth token and that the
 * request is for the tenant's own account. Nothing else of the request is trusted before this.
 */
async function verified(c: Context<AppEnv>, tenantId: string, form: Record<string, string | string[]>): Promise<{ config: TwilioConfig; params: Map<string, string> }> {
  const config = await twilioConfig(await getMessagingSettings(c.var.db, tenantId), c.env.SECRETS_KEY).catch(() => null);
  if (!config) throw new HttpError(403, "Twilio is not configured for this tenant");
  const entries = Object.entries(form).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => [name, v] as [string, string]));
  const url = new URL(c.req.url);
  const urls = [c.req.url];
  if (c.env.PUBLIC_BASE_URL) urls.push(`${c.env.PUBLIC_BASE_URL.replace(/\/+$/, "")}${url.pathname}${url.search}`);
  if (!(await verifyTwilioSignature(config.authToken, c.req.header("X-Twilio-Signature"), urls, entries))) {
    throw new HttpError(403, "Invalid X-Twilio-Signature");
  }
  const params = new Map(entries);
  if (params.get("AccountSid") !== config.accountSid) throw new HttpError(403, "The request is for another Twilio account");
  return { config, params };
}

export function registerTwilioWebhooks(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/twilio/{tenantId}/messages/{messageId}/status", operationId: "receiveTwilioStatusCallback", tags,
      // No API key: X-Twilio-Signature is the credential.
      security: [],
      summary: "Twilio's status callback for a message we sent (signed with X-Twilio-Signature)",
      request: { params: z.object({ tenantId: tenantParam, messageId: z.string().openapi({ param: { name: "messageId", in: "path" } }) }), body: formBody },
      responses: { 204: { description: "Taken (a late or repeated status changes nothing)" }, ...errorResponses(400, 403, 404) },
    }),
    async (c) => {
      const { tenantId, messageId } = c.req.valid("param");
      const { params } = await verified(c, tenantId, c.req.valid("form"));
      const message = await getMessage(c.var.db, tenantId, messageId);
      if (!message) throw new HttpError(404, "Message not found");
      const reported = params.get("MessageStatus") ?? params.get("SmsStatus");
      if (!reported) throw new HttpError(400, "MessageStatus is required");
      const errorCode = params.get("ErrorCode") || null;
      const status = fromTwilioStatus(reported, errorCode);
      if (status) {
        const moved = await changeMessageStatus(c.env, c.var.db, tenantId, messageId, status, {
          errorMessage: errorCode ? `Twilio error ${errorCode} (see https://www.twilio.com/docs/errors/${errorCode})` : null,
          providerMessageId: params.get("MessageSid") ?? null,
        });
        if (moved && status === "OPTED_OUT" && message.toNumber) {
          await optOutAndAnnounce(c.env, c.var.db, { tenantId, phoneNumber: message.toNumber, source: "provider_21610" });
        }
      }
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post", path: "/twilio/{tenantId}/inbound", operationId: "receiveTwilioInboundMessage", tags,
      // No API key: X-Twilio-Signature is the credential.
      security: [],
      summary: "Twilio's incoming-message webhook: stores the patient's text; STOP/START update consent",
      request: { params: z.object({ tenantId: tenantParam }), body: formBody },
      responses: { 200: { description: "Empty TwiML (no automatic reply)", content: { "text/xml": { schema: z.string() } } }, ...errorResponses(400, 403) },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const { config, params } = await verified(c, tenantId, c.req.valid("form"));
      const messageSid = params.get("MessageSid") ?? params.get("SmsSid");
      const from = params.get("From");
      if (!messageSid || !from) throw new HttpError(400, "MessageSid and From are required");
      // Twilio retries a webhook it got no answer to: the first delivery was stored, keywords and all.
      if (await messageByProviderId(c.var.db, tenantId, messageSid)) return c.body(TWIML_EMPTY, 200, { "Content-Type": "text/xml; charset=utf-8" });
      const media = await fetchInboundMedia(config, params);
      const result = await receiveText(c.env, c.var.db, {
        tenantId,
        providerMessageId: messageSid,
        from,
        to: params.get("To") ?? null,
        body: params.get("Body") ?? "",
        optOutType: params.get("OptOutType"),
        attachments: media.files,
        skippedAttachments: media.skipped,
      });
      console.log(JSON.stringify({ level: "info", msg: "inbound text", tenantId, messageSid, messageId: result.messageId, action: result.action }));
      return c.body(TWIML_EMPTY, 200, { "Content-Type": "text/xml; charset=utf-8" });
    },
  );
}
