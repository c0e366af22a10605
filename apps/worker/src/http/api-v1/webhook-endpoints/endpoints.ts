import { createRoute, z } from "@hono/zod-openapi";
import { and, count, desc, eq, isNull } from "drizzle-orm";
import {
  PageQuery,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointList,
  WebhookEndpointUpdate,
  WebhookEndpointWithSecret,
  pathId,
  tables,
} from "@switchboard/schemas";
import { auditQueries, auditStatements } from "../../../audit/record";
import { d1Statement } from "../../../lib/db";
import { HttpError, TooManyRequests } from "../../errors";
import { offsetOf, pagination } from "../../../lib/pagination";
import { scopeOf, type App } from "../../context";
import {
  checkWebhookUrl,
  disableStatements,
  endpointToWire,
  getEndpoint,
  insertEndpointWithinQuota,
  sealSecret,
  urlPolicy,
} from "../../../customer-webhooks/endpoints";
import { generateWebhookSecret } from "../../../customer-webhooks/signing";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../../openapi/helpers";

const tags = ["Webhooks"];
const Params = z.object({ endpointId: pathId("endpointId") });
/** How long a rotated-out secret keeps signing, so receivers can switch without losing events. */
const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;
/** Retry-After of the endpoint quota: nothing frees a place by itself, so a minute, to be read with the message. */
const QUOTA_RETRY_AFTER_SECONDS = 60;
export const endpointNotFound = () => new HttpError(404, "Webhook endpoint not found");

async function requireAllowedUrl(env: Parameters<typeof urlPolicy>[0], url: string): Promise<string> {
  const verdict = await checkWebhookUrl(url, urlPolicy(env));
  if (!verdict.ok) throw new HttpError(400, verdict.reason);
  return verdict.url.href;
}

export function registerWebhookEndpointRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/webhook-endpoints", operationId: "createWebhookEndpoint", tags, security,
      summary: "Register a webhook endpoint (its signing secret is shown once, in this response)",
      description:
        "Deliveries follow the Standard Webhooks spec: `webhook-id`, `webhook-timestamp` and `webhook-signature` headers, signed with the endpoint's secret. The URL must be HTTPS and resolve to a public address (localhost is allowed only in local development). " +
        "A tenant may have a limited number of endpoints (20 by default; deleted ones do not count, disabled ones do): beyond it, 429 until one is deleted or the operator raises the quota.",
      request: { body: jsonBody(WebhookEndpointCreate) },
      responses: { 201: jsonResponse(WebhookEndpointWithSecret, "The endpoint and its secret"), ...errorResponses(400, 401, 403, 413) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const url = await requireAllowedUrl(c.env, body.url);
      const id = crypto.randomUUID();
      const secret = generateWebhookSecret();
      const max = c.var.limits.webhookEndpoints;
      const inserted = await insertEndpointWithinQuota(
        c.var.db.$client,
        { id, tenantId: c.var.tenantId, url, description: body.description ?? null, events: body.events ?? null, secretSealed: await sealSecret(c.env, id, secret), createdAt: Date.now() },
        max,
        auditStatements(c.var.db.$client, scopeOf(c), "webhook_endpoint.created", id, undefined, { onlyIfChanged: true }),
      );
      if (!inserted) {
        throw new TooManyRequests(
          `Webhook endpoint quota reached: this tenant may have ${max} endpoints (disabled ones count). Delete one (DELETE /api/v1/webhook-endpoints/{endpointId}) or ask the operator to raise the quota.`,
          QUOTA_RETRY_AFTER_SECONDS,
        );
      }
      const row = (await getEndpoint(c.var.db, c.var.tenantId, id))!;
      return c.json({ ...endpointToWire(row), secret }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/webhook-endpoints", operationId: "listWebhookEndpoints", tags, security, summary: "List webhook endpoints, newest first",
      request: { query: PageQuery },
      responses: { 200: jsonResponse(WebhookEndpointList, "A page of endpoints"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const t = tables.webhookEndpoints;
      const mine = and(eq(t.tenantId, c.var.tenantId), isNull(t.deletedAt));
      const [rows, [totals]] = await Promise.all([
        c.var.db.select().from(t).where(mine).orderBy(desc(t.createdAt), desc(t.id)).limit(query.size).offset(offsetOf(query.start)),
        c.var.db.select({ total: count() }).from(t).where(mine),
      ]);
      return c.json({ data: rows.map(endpointToWire), pagination: pagination(query, rows.length, totals?.total ?? 0) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/webhook-endpoints/{endpointId}", operationId: "getWebhookEndpoint", tags, security,
      summary: "Get a webhook endpoint (a disabled one says why: manual, gone or failing)",
      request: { params: Params },
      responses: { 200: jsonResponse(WebhookEndpoint, "The endpoint"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const row = await getEndpoint(c.var.db, c.var.tenantId, c.req.valid("param").endpointId);
      if (!row) throw endpointNotFound();
      return c.json(endpointToWire(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch", path: "/webhook-endpoints/{endpointId}", operationId: "updateWebhookEndpoint", tags, security,
      summary: "Change an endpoint's URL, events or description, or enable/disable it",
      request: { params: Params, body: jsonBody(WebhookEndpointUpdate) },
      responses: { 200: jsonResponse(WebhookEndpoint, "The updated endpoint"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { endpointId } = c.req.valid("param");
      const body = c.req.valid("json");
      const current = await getEndpoint(c.var.db, c.var.tenantId, endpointId);
      if (!current) throw endpointNotFound();
      const now = Date.now();
      const changes: Partial<typeof tables.webhookEndpoints.$inferInsert> = {};
      if (body.url !== undefined) changes.url = await requireAllowedUrl(c.env, body.url);
      if (body.events !== undefined) changes.events = body.events;
      if (body.description !== undefined) changes.description = body.description;
      if (body.enabled === true && !current.enabled) {
        Object.assign(changes, { enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
      }
      const fields = Object.keys(body).filter((k) => body[k as keyof typeof body] !== undefined);
      const t = tables.webhookEndpoints;
      const d1 = c.var.db.$client;
      const update = Object.keys(changes).length
        ? [d1Statement(d1, c.var.db.update(t).set({ ...changes, updatedAt: now }).where(and(eq(t.id, endpointId), isNull(t.deletedAt))))]
        : [];
      const audit = fields.length ? auditStatements(d1, scopeOf(c), "webhook_endpoint.updated", endpointId, { fields }, { onlyIfChanged: true }) : [];
      // The change and its record in one batch; the record follows the last statement that touched
      // the endpoint. A request that changes nothing (e.g. enabling an enabled endpoint) records nothing.
      const disabling = body.enabled === false && current.enabled;
      if (update.length || disabling) {
        await d1.batch(disabling ? [...update, ...disableStatements(d1, endpointId, "manual", now, false, audit)] : [...update, ...audit]);
      }
      const row = await getEndpoint(c.var.db, c.var.tenantId, endpointId);
      if (!row) throw endpointNotFound();
      return c.json(endpointToWire(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete", path: "/webhook-endpoints/{endpointId}", operationId: "deleteWebhookEndpoint", tags, security,
      summary: "Delete an endpoint (nothing more is sent to it; pending deliveries are marked failed)",
      request: { params: Params },
      responses: { 200: jsonResponse(z.object({ id: z.string(), deleted: z.literal(true) }), "Deleted"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { endpointId } = c.req.valid("param");
      if (!(await getEndpoint(c.var.db, c.var.tenantId, endpointId))) throw endpointNotFound();
      const d1 = c.var.db.$client;
      const [deleted] = await d1.batch(
        disableStatements(d1, endpointId, "manual", Date.now(), true, auditStatements(d1, scopeOf(c), "webhook_endpoint.deleted", endpointId, undefined, { onlyIfChanged: true })),
      );
      if (!deleted?.meta.changes) throw endpointNotFound();
      return c.json({ id: endpointId, deleted: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post", path: "/webhook-endpoints/{endpointId}/rotate-secret", operationId: "rotateWebhookEndpointSecret", tags, security,
      summary: "Rotate the signing secret: the new one is shown once; the old one keeps signing for 24 hours",
      description: "During the grace period `webhook-signature` carries two signatures (space separated), one per secret.",
      request: { params: Params },
      responses: { 200: jsonResponse(WebhookEndpointWithSecret, "The endpoint and its new secret"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { endpointId } = c.req.valid("param");
      const current = await getEndpoint(c.var.db, c.var.tenantId, endpointId);
      if (!current) throw endpointNotFound();
      const secret = generateWebhookSecret();
      const now = Date.now();
      const t = tables.webhookEndpoints;
      const { db } = c.var;
      const [[row]] = await db.batch([
        db
          .update(t)
          .set({
            secretSealed: await sealSecret(c.env, endpointId, secret),
            previousSecretSealed: current.secretSealed,
            previousSecretExpiresAt: now + ROTATION_GRACE_MS,
            updatedAt: now,
          })
          .where(and(eq(t.id, endpointId), isNull(t.deletedAt)))
          .returning(),
        ...auditQueries(db, scopeOf(c), "webhook_endpoint.secret_rotated", endpointId, undefined, { onlyIfChanged: true }),
      ]);
      if (!row) throw endpointNotFound();
      return c.json({ ...endpointToWire(row), secret }, 200);
    },
  );
}
