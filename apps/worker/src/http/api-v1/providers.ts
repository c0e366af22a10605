import { createRoute, z } from "@hono/zod-openapi";
import { and, count, desc, eq, inArray } from "drizzle-orm";
import { LIVE_STATUSES, ProviderCredentials, ProviderHealthQuery, ProviderHealthReport, ProviderCredentialsInput, ProviderCredentialsList, tables, UnmatchedWebhook, VENDOR_PROVIDERS, VendorName } from "@switchboard/schemas";
import { auditQueries, changedFields } from "../../audit/record";
import { providerHealth } from "../../calls/provider-health";
import { HttpError } from "../errors";
import { iso } from "../../lib/time";
import { credentialsToWire, deleteCredentials, getCredentialRow, putCredentials } from "../../voice/credentials";
import { auditRead } from "../audit-reads";
import { scopeOf, type App } from "../context";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["Providers"];
const Params = z.object({
  provider: VendorName.openapi({ param: { name: "provider", in: "path" }, example: "retell" }),
});
const notConfigured = (provider: string) => new HttpError(404, `No ${provider} credentials are configured`);
const UNMATCHED_LIMIT = 100;

export function registerProviderRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/providers", operationId: "listProviders", tags, security, summary: "The voice vendors this tenant has configured",
      responses: { 200: jsonResponse(ProviderCredentialsList, "Configured vendors, secrets masked"), ...errorResponses(401, 403) },
    }),
    async (c) => {
      const t = tables.providerCredentials;
      const rows = await c.var.db.select().from(t).where(eq(t.tenantId, c.var.tenantId));
      const origin = new URL(c.req.url).origin;
      const order = (p: string) => VENDOR_PROVIDERS.indexOf(p as VendorName);
      const data = await Promise.all(rows.sort((a, b) => order(a.provider) - order(b.provider)).map((r) => credentialsToWire(c.env, r, origin)));
      return c.json({ data }, 200);
    },
  );

  // Before /providers/{provider}, so "health" is never read as a vendor's name.
  app.openapi(
    createRoute({
      method: "get", path: "/providers/health", operationId: "getProviderHealth", tags, security,
      summary: "How each provider did over the last hours: placements, failures, failovers, median time to answer",
      description:
        "Computed from the calls' own histories: `attempts` (placements tried), `placements` (taken), `failures` (refused: error, " +
        "timeout, unreachable), `failovers` (calls moved on to the agent's next provider), and the median time from dialing to pickup " +
        "of the calls someone answered. Configured vendors are listed even when idle; the simulator when it placed calls.",
      request: { query: ProviderHealthQuery },
      responses: { 200: jsonResponse(ProviderHealthReport, "Per provider"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { hours } = c.req.valid("query");
      const until = Date.now();
      const since = until - hours * 3_600_000;
      const data = await providerHealth(c.var.db.$client, c.var.tenantId, since);
      return c.json({ since: iso(since), until: iso(until), data }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put", path: "/providers/{provider}", operationId: "setProviderCredentials", tags, security,
      summary: "Store the tenant's credentials for a voice vendor (replaces any stored before)",
      description:
        "Secrets are sealed at rest and never returned. The response carries `webhookUrl`: paste it into the vendor's console. " +
        "It stays the same when credentials are replaced.",
      request: { params: Params, body: jsonBody(ProviderCredentialsInput) },
      responses: { 200: jsonResponse(ProviderCredentials, "The stored credentials, secrets masked"), ...errorResponses(400, 401, 403, 413) },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const body = c.req.valid("json");
      // The vendor names the credentials in the API; field names only, never the secrets.
      const audit = auditQueries(c.var.db, scopeOf(c), "provider_credentials.updated", provider, { fields: changedFields(body) });
      const row = await putCredentials(c.env, c.var.db, c.var.tenantId, provider, body, audit);
      return c.json(await credentialsToWire(c.env, row, new URL(c.req.url).origin), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/providers/{provider}", operationId: "getProviderCredentials", tags, security, summary: "The tenant's credentials for a vendor, secrets masked",
      request: { params: Params },
      responses: { 200: jsonResponse(ProviderCredentials, "The stored credentials"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const row = await getCredentialRow(c.var.db, c.var.tenantId, provider);
      if (!row) throw notConfigured(provider);
      return c.json(await credentialsToWire(c.env, row, new URL(c.req.url).origin), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete", path: "/providers/{provider}", operationId: "deleteProviderCredentials", tags, security,
      summary: "Remove the tenant's credentials for a vendor (refused with 409 while calls are live there)",
      description: "Calls waiting to be placed skip the vendor from then on; agents naming it can no longer create calls.",
      request: { params: Params },
      responses: {
        200: jsonResponse(z.object({ provider: VendorName, deleted: z.literal(true) }), "Removed"),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const calls = tables.calls;
      // Their hangups and reconciliation need the credentials until they end.
      const [live] = await c.var.db
        .select({ n: count() })
        .from(calls)
        .where(and(eq(calls.tenantId, c.var.tenantId), eq(calls.provider, provider), inArray(calls.status, [...LIVE_STATUSES])));
      if ((live?.n ?? 0) > 0) throw new HttpError(409, `${live!.n} calls are live on ${provider}; hang them up or wait for them to end`);
      const audit = auditQueries(c.var.db, scopeOf(c), "provider_credentials.deleted", provider, undefined, { onlyIfChanged: true });
      if (!(await deleteCredentials(c.var.db, c.var.tenantId, provider, audit))) throw notConfigured(provider);
      return c.json({ provider, deleted: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/providers/{provider}/unmatched-webhooks", operationId: "listUnmatchedWebhooks", tags, security,
      summary: "Verified webhooks from this vendor that matched none of the tenant's calls, newest first",
      request: { params: Params },
      responses: { 200: jsonResponse(z.object({ data: z.array(UnmatchedWebhook) }), `Up to ${UNMATCHED_LIMIT} events`), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const t = tables.providerWebhookOrphans;
      const rows = await c.var.db
        .select()
        .from(t)
        .where(and(eq(t.tenantId, c.var.tenantId), eq(t.provider, provider)))
        .orderBy(desc(t.receivedAt))
        .limit(UNMATCHED_LIMIT);
      const data = rows.map((r) => ({
        id: r.id,
        provider: r.provider as VendorName,
        eventType: r.eventType,
        callId: r.callId,
        providerCallId: r.providerCallId,
        payload: r.payload,
        receivedAt: iso(r.receivedAt),
      }));
      // Vendor payloads can carry transcripts and numbers.
      await auditRead(c, "provider_webhook.read", rows.map((r) => r.id), { provider });
      return c.json({ data }, 200);
    },
  );
}
