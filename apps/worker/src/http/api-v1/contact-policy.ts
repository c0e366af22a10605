import { createRoute } from "@hono/zod-openapi";
import { ContactPolicySettings, ContactPolicyUpdate } from "@switchboard/schemas";
import { changedFields, recordAudit } from "../../audit/record";
import { errorSummary } from "../../lib/log-safe";
import { tenantDispatcher } from "../../objects/stubs";
import { contactPolicySettings, updateContactPolicy } from "../../tenants/contact-policy";
import { scopeOf, type App } from "../context";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["Contact policy"];

/** The rules every call and text is decided by, and the tenant's own tightening of them. */
export function registerContactPolicyRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/contact-policy", tags, security, operationId: "getContactPolicy",
      summary: "The contact policy in force: hours, caps, purposes, the state table and every reason code",
      responses: { 200: jsonResponse(ContactPolicySettings, "The policy"), ...errorResponses(401, 403) },
    }),
    async (c) => c.json(await contactPolicySettings(c.var.db, c.env, c.var.tenantId), 200),
  );

  app.openapi(
    createRoute({
      method: "patch", path: "/contact-policy", tags, security, operationId: "updateContactPolicy",
      summary: "Tighten the contact policy for this tenant",
      description:
        "`callingHours` (inside 08:00-21:00 and this deployment's hours), `caps` (`exemptPerDay` ≤ 1, `exemptPerWeek` ≤ 3, `sameSubjectPer24h` ≤ the states' 3) " +
        "and `allowedPurposes`. Values looser than the law are a 400. Each field replaces what is stored; `null` goes back to the law. Applies to the next decision: " +
        "waiting calls are decided again before they are dialed.",
      request: { body: jsonBody(ContactPolicyUpdate) },
      responses: { 200: jsonResponse(ContactPolicySettings, "The policy"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      if (await updateContactPolicy(c.var.db, c.env, c.var.tenantId, body)) {
        await recordAudit(scopeOf(c), "contact_policy.updated", c.var.tenantId, { fields: changedFields(body) });
        await tenantDispatcher(c.env, c.var.tenantId)
          .configure(c.var.tenantId)
          .catch((error: unknown) => console.error(JSON.stringify({ level: "warn", msg: "dispatcher reconfigure failed", tenantId: c.var.tenantId, error: errorSummary(error) })));
      }
      return c.json(await contactPolicySettings(c.var.db, c.env, c.var.tenantId), 200);
    },
  );
}
