import { createRoute, z } from "@hono/zod-openapi";
import { count, desc, eq } from "drizzle-orm";
import { PageQuery, Tenant, TenantCreate, TenantCreated, TenantList, TenantUpdate, pathId, tables } from "@switchboard/schemas";
import { auditQueries, changedFields } from "../../audit/record";
import { tenantDispatcher } from "../../objects/stubs";
import { clockMinutes } from "@switchboard/schemas";
import { clockOf, deploymentWindow } from "../../contact-policy/deployment";
import type { Env } from "../../env";
import { HttpError } from "../errors";
import { offsetOf, pagination } from "../../lib/pagination";
import { iso } from "../../lib/time";
import { isIanaTimezone } from "../../lib/timezone";
import { newApiKey } from "../../tenants/keys";
import { limitColumns, limitsOf } from "../../tenants/limits";
import { scopeOf, type App } from "../context";
import { adminSecurity, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";
import { errorSummary } from "../../lib/log-safe";

const tags = ["Admin"];
const TenantParams = z.object({ tenantId: pathId("tenantId") });

function toWire(env: Env, row: typeof tables.tenants.$inferSelect): z.infer<typeof Tenant> {
  return {
    id: row.id,
    name: row.name,
    concurrencyLimit: row.concurrencyLimit,
    timezone: row.timezone,
    callingHours: row.callingHoursStart && row.callingHoursEnd ? { start: row.callingHoursStart, end: row.callingHoursEnd } : null,
    limits: limitsOf(row, env),
    createdAt: iso(row.createdAt),
  };
}

/** Tenant hours may only narrow the deployment's legal window; returned as columns. */
function callingHoursColumns(env: Env, hours: { start: string; end: string } | null | undefined) {
  if (hours === undefined) return {};
  if (hours === null) return { callingHoursStart: null, callingHoursEnd: null };
  const legal = deploymentWindow(env);
  if (clockMinutes(hours.start) < legal.start || clockMinutes(hours.end) > legal.end) {
    throw new HttpError(400, `callingHours must lie within the legal calling hours ${clockOf(legal.start)}-${clockOf(legal.end)} (47 CFR 64.1200(c)(1)): they can be narrowed, not widened`);
  }
  return { callingHoursStart: hours.start, callingHoursEnd: hours.end };
}

function checkTimezone(zone: string | undefined) {
  if (zone !== undefined && !isIanaTimezone(zone)) throw new HttpError(400, "timezone must be an IANA time zone such as America/New_York");
}

export function registerTenantRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/tenants", operationId: "createTenant", tags, security: adminSecurity,
      summary: "Create a tenant and its first API key",
      request: { body: jsonBody(TenantCreate) },
      responses: { 201: jsonResponse(TenantCreated, "The tenant, with its first API key (shown once)"), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      checkTimezone(body.timezone);
      const id = crypto.randomUUID();
      const key = await newApiKey(id, "default");
      const { db } = c.var;
      const scope = scopeOf(c, id);
      // The tenant, its first key and their records: all or nothing.
      const [[row]] = await db.batch([
        db
          .insert(tables.tenants)
          .values({
            id,
            name: body.name,
            concurrencyLimit: body.concurrencyLimit ?? 10,
            timezone: body.timezone ?? "America/New_York",
            ...callingHoursColumns(c.env, body.callingHours),
            ...limitColumns(body.limits),
            createdAt: Date.now(),
          })
          .returning(),
        db.insert(tables.apiKeys).values(key.row),
        ...auditQueries(db, scope, "tenant.created", id),
        ...auditQueries(db, scope, "api_key.issued", key.row.id),
      ]);
      return c.json({ ...toWire(c.env, row!), apiKey: key.apiKey, apiKeyId: key.row.id }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/tenants", operationId: "listTenants", tags, security: adminSecurity, summary: "List tenants",
      request: { query: PageQuery },
      responses: { 200: jsonResponse(TenantList, "Tenants, newest first"), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const [rows, [totals]] = await Promise.all([
        c.var.db.select().from(tables.tenants).orderBy(desc(tables.tenants.createdAt), desc(tables.tenants.id)).limit(query.size).offset(offsetOf(query.start)),
        c.var.db.select({ total: count() }).from(tables.tenants),
      ]);
      return c.json({ data: rows.map((r) => toWire(c.env, r)), pagination: pagination(query, rows.length, totals?.total ?? 0) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/tenants/{tenantId}", operationId: "getTenant", tags, security: adminSecurity, summary: "Get a tenant",
      request: { params: TenantParams },
      responses: { 200: jsonResponse(Tenant, "The tenant"), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const row = await c.var.db.select().from(tables.tenants).where(eq(tables.tenants.id, c.req.valid("param").tenantId)).get();
      if (!row) throw new HttpError(404, "Tenant not found");
      return c.json(toWire(c.env, row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch", path: "/tenants/{tenantId}", operationId: "updateTenant", tags, security: adminSecurity,
      summary: "Change a tenant's name, concurrency limit, default time zone, calling hours, or rate limits and quotas",
      description:
        "A new limit or new calling hours apply to the tenant's queue at once; live calls are never cut off. " +
        "`limits` (requests per second and burst, calls created per minute, webhook endpoints) apply from the tenant's next request; null goes back to the default.",
      request: { params: TenantParams, body: jsonBody(TenantUpdate) },
      responses: { 200: jsonResponse(Tenant, "The updated tenant"), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const body = c.req.valid("json");
      checkTimezone(body.timezone);
      const { callingHours, limits, ...rest } = body;
      const changes = {
        ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
        ...callingHoursColumns(c.env, callingHours),
        ...limitColumns(limits),
      };
      const where = eq(tables.tenants.id, tenantId);
      const { db } = c.var;
      const fields = [...changedFields(body).filter((f) => f !== "limits"), ...changedFields(limits ?? {}).map((f) => `limits.${f}`)];
      // drizzle throws "No values to set" on an empty SET (a 500): with nothing to change, just read.
      const row = Object.keys(changes).length
        ? (
            await db.batch([
              db.update(tables.tenants).set(changes).where(where).returning(),
              ...auditQueries(db, scopeOf(c, tenantId), "tenant.updated", tenantId, { fields }, { onlyIfChanged: true }),
            ])
          )[0][0]
        : await db.select().from(tables.tenants).where(where).get();
      if (!row) throw new HttpError(404, "Tenant not found");
      if (Object.keys(changes).length) {
        // The dispatcher also re-reads on its own every few minutes; this makes the change immediate.
        await tenantDispatcher(c.env, tenantId).configure(tenantId).catch((error: unknown) => {
          console.error(JSON.stringify({ level: "warn", msg: "dispatcher reconfigure failed", tenantId, error: errorSummary(error) }));
        });
      }
      return c.json(toWire(c.env, row), 200);
    },
  );
}
