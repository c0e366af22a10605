import { createRoute } from "@hono/zod-openapi";
import { MessagingSettings, MessagingSettingsUpdate } from "@switchboard/schemas";
import { auditQueries, changedFields } from "../../audit/record";
import { HttpError } from "../errors";
import { publicBaseUrl } from "../base-url";
import { toE164 } from "../../lib/phone";
import { iso } from "../../lib/time";
import {
  getMessagingSettings,
  saveMessagingSettings,
  sealTwilioToken,
  simulatorOptions,
  type MessagingSettingsRow,
} from "../../sms/settings";
import { scopeOf, type App } from "../context";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["Messaging"];
const PATH = "/messaging/settings";

function toWire(row: MessagingSettingsRow | undefined, tenantId: string, baseUrl: string) {
  return {
    provider: (row?.provider ?? "simulator") as "simulator" | "twilio",
    twilio: row?.twilioAccountSid
      ? {
          accountSid: row.twilioAccountSid,
          authTokenSet: Boolean(row.twilioAuthTokenSealed),
          messagingServiceSid: row.twilioMessagingServiceSid,
          fromNumber: row.twilioFromNumber,
        }
      : null,
    simulator: simulatorOptions(row),
    webhooks: { inbound: `${baseUrl}/webhooks/twilio/${tenantId}/inbound` },
    updatedAt: iso(row?.updatedAt ?? null),
  };
}

/** How the tenant's texts are delivered: the simulator (default) or the tenant's Twilio account. */
export function registerMessagingSettingsRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: PATH, operationId: "getMessagingSettings", tags, security, summary: "The tenant's messaging provider (the auth token is never returned)",
      responses: { 200: jsonResponse(MessagingSettings, "The settings"), ...errorResponses(401, 403) },
    }),
    async (c) => c.json(toWire(await getMessagingSettings(c.var.db, c.var.tenantId), c.var.tenantId, publicBaseUrl(c.env, c.req.url)), 200),
  );

  app.openapi(
    createRoute({
      method: "put", path: PATH, operationId: "setMessagingSettings", tags, security,
      summary: "Set the tenant's messaging provider: the simulator, or Twilio (account SID, auth token, and a Messaging Service SID or a from number)",
      request: { body: jsonBody(MessagingSettingsUpdate) },
      responses: { 200: jsonResponse(MessagingSettings, "The settings"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const tenantId = c.var.tenantId;
      const current = await getMessagingSettings(c.var.db, tenantId);
      let twilio: Pick<MessagingSettingsRow, "twilioAccountSid" | "twilioAuthTokenSealed" | "twilioMessagingServiceSid" | "twilioFromNumber"> = {
        twilioAccountSid: current?.twilioAccountSid ?? null,
        twilioAuthTokenSealed: current?.twilioAuthTokenSealed ?? null,
        twilioMessagingServiceSid: current?.twilioMessagingServiceSid ?? null,
        twilioFromNumber: current?.twilioFromNumber ?? null,
      };
      if (body.twilio) {
        const { accountSid, authToken, messagingServiceSid } = body.twilio;
        const fromNumber = body.twilio.fromNumber ? toE164(body.twilio.fromNumber) : null;
        if (body.twilio.fromNumber && !fromNumber) throw new HttpError(400, "twilio.fromNumber must be a phone number in E.164 (e.g. +15555550100)");
        if (!messagingServiceSid && !fromNumber) throw new HttpError(400, "twilio needs a messagingServiceSid or a fromNumber to send from");
        const sameAccount = current?.twilioAccountSid === accountSid && current.twilioAuthTokenSealed;
        if (!authToken && !sameAccount) throw new HttpError(400, "twilio.authToken is required (it can be left out only to keep the stored token of the same account)");
        twilio = {
          twilioAccountSid: accountSid,
          twilioAuthTokenSealed: authToken ? await sealTwilioToken(authToken, c.env.SECRETS_KEY, tenantId, accountSid) : current!.twilioAuthTokenSealed,
          twilioMessagingServiceSid: messagingServiceSid ?? null,
          twilioFromNumber: fromNumber,
        };
      }
      if (body.provider === "twilio" && !twilio.twilioAuthTokenSealed) {
        throw new HttpError(400, "provider twilio needs twilio: { accountSid, authToken, messagingServiceSid or fromNumber }");
      }
      // The settings are the tenant's own object; field names only (`twilio.authToken`, never its value).
      const fields = [...changedFields(body), ...changedFields(body.twilio ?? {}).map((f) => `twilio.${f}`)];
      const row = await saveMessagingSettings(
        c.var.db,
        { tenantId, provider: body.provider, ...twilio, simulator: body.simulator ?? current?.simulator ?? null, updatedAt: Date.now() },
        auditQueries(c.var.db, scopeOf(c), "messaging_settings.updated", tenantId, { provider: body.provider, fields }),
      );
      return c.json(toWire(row, tenantId, publicBaseUrl(c.env, c.req.url)), 200);
    },
  );
}
