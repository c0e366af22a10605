import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../lib/db";
import { chooseShard, placementOf, shardDatabase } from "../../shards/directory";
import { tenantScopeOf } from "../middleware/tenant-shard";
import { count, desc, eq } from "drizzle-orm";
import { PageQuery, Tenant, TenantCreateRequest, TenantCreated, TenantList, TenantUpdate, pathId, tables } from "@switchboard/schemas";
import { auditQueries, changedFields } from "../../audit/record";
import { tenantDispatcher } from "../../objects/stubs";
import { clockMinutes } from "@switchboard/schemas";
import { clockOf, deploymentWindow } from "../../contact-policy/deployment";
import type { Env } from "../../env";
import { HttpError } from "../errors";
import { offsetOf, pagination } from "../../lib/pagination";
import { iso } from "../../lib/time";
import { isIanaTimezone } from "../../lib/timezone";
import { forgetTenantKeys } from "../../tenants/key-cache";
import { newApiKey } from "../../tenants/keys";
import { limitColumns, limitsOf } from "../../tenants/limits";
import { scopeOf, type App } from "../context";
import { adminSecurity, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";
import { errorSummary } from "../../lib/log-safe";

const tags = ["Admin"];
const TenantParams = z.object({ tenantId: pathId("tenantId") });

function toWire(env: Env, row: typeof tables.tenants.$inferSelect, shard: number): z.infer<typeof Tenant> {
  return {
    id: row.id,
    shard,
    name: row.name,
    concurrencyLimit: row.concurrencyLimit,
    timezone: row.timezone,
    callingHours: row.callingHoursStart && row.callingHoursEnd ? { start: row.callingHoursStart, end: row.callingHoursEnd } : null,
    limits: limitsOf(row, env),
    hotWindowDays: row.hotWindowDays,
    phiRetentionDays: row.phiRetentionDays,
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
      request: { body: jsonBody(TenantCreateRequest) },
      responses: { 201: jsonResponse(TenantCreated, "The tenant, with its first API key (shown once)"), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      checkTimezone(body.timezone);
      const shard = await chooseShard(c.env, body.shard).catch((error: unknown) => {
        throw new HttpError(400, error instanceof RangeError ? error.message : "shard is not available");
      });
      const id = crypto.randomUUID();
      const key = await newApiKey(id, "default");
      const values = {
        id,
        name: body.name,
        concurrencyLimit: body.concurrencyLimit ?? 10,
        timezone: body.timezone ?? "America/New_York",
        ...callingHoursColumns(c.env, body.callingHours),
        ...limitColumns(body.limits),
        hotWindowDays: body.hotWindowDays ?? 90,
        phiRetentionDays: body.phiRetentionDays ?? null,
        createdAt: Date.now(),
      };
      const control = c.var.db;
      const home = createDb(shardDatabase(c.env, shard));
      const scope = { ...scopeOf(c, id), db: home };
      const records = (db: typeof home) => [...auditQueries(db, scope, "tenant.created", id, { shard }), ...auditQueries(db, scope, "api_key.issued", key.row.id)];
      let row: typeof tables.tenants.$inferSelect | undefined;
      if (shard === 0) {
        // The tenant, its first key and their records: all or nothing.
        [[row]] = await control.batch([control.insert(tables.tenants).values(values).returning(), control.insert(tables.apiKeys).values(key.row), ...records(control)]);
      } else {
        // Its data shard first (its rows' foreign keys and its audit trail point at this copy), then
        // shard 0's control plane, key and directory entry in one batch: a tenant is listed, and its
        // key works, only once its data has a home.
        await home.batch([home.insert(tables.tenants).values(values), ...records(home)]);
        [[row]] = await control.batch([
          control.insert(tables.tenants).values(values).returning(),
          control.insert(tables.apiKeys).values(key.row),
          control.insert(tables.tenantShards).values({ tenantId: id, shard, updatedAt: values.createdAt }),
        ]);
      }
      return c.json({ ...toWire(c.env, row!, shard), apiKey: key.apiKey, apiKeyId: key.row.id }, 201);
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
        c.var.db
          .select({ tenant: tables.tenants, shard: tables.tenantShards.shard })
          .from(tables.tenants)
          .leftJoin(tables.tenantShards, eq(tables.tenantShards.tenantId, tables.tenants.id))
          .orderBy(desc(tables.tenants.createdAt), desc(tables.tenants.id))
          .limit(query.size)
          .offset(offsetOf(query.start)),
        c.var.db.select({ total: count() }).from(tables.tenants),
      ]);
      return c.json({ data: rows.map((r) => toWire(c.env, r.tenant, r.shard ?? 0)), pagination: pagination(query, rows.length, totals?.total ?? 0) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/tenants/{tenantId}", operationId: "getTenant", tags, security: adminSecurity, summary: "Get a tenant",
      request: { params: TenantParams },
      responses: { 200: jsonResponse(Tenant, "The tenant"), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const row = await c.var.db.select().from(tables.tenants).where(eq(tables.tenants.id, tenantId)).get();
      if (!row) throw new HttpError(404, "Tenant not found");
      return c.json(toWire(c.env, row, (await placementOf(c.env, tenantId, true)).shard), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch", path: "/tenants/{tenantId}", operationId: "updateTenant", tags, security: adminSecurity,
      summary: "Change a tenant's name, concurrency limit, default time zone, calling hours, rate limits and quotas, or retention",
      description:
        "A new limit or new calling hours apply to the tenant's queue at once; live calls are never cut off. " +
        "`limits` (requests per second and burst, calls created per minute, webhook endpoints) apply from the tenant's next request " +
        "(API keys are cached for a few seconds per server instance: other instances apply them within 5 seconds); null goes back to the default.",
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
      const placement = await placementOf(c.env, tenantId, true);
      const home = placement.shard === 0 ? db : createDb(shardDatabase(c.env, placement.shard));
      const fields = [...changedFields(body).filter((f) => f !== "limits"), ...changedFields(limits ?? {}).map((f) => `limits.${f}`)];
      // drizzle throws "No values to set" on an empty SET (a 500): with nothing to change, just read.
      const audit = (on: typeof db) => auditQueries(on, scopeOf(c, tenantId), "tenant.updated", tenantId, { fields }, { onlyIfChanged: true });
      let row: typeof tables.tenants.$inferSelect | undefined;
      if (!Object.keys(changes).length) row = await db.select().from(tables.tenants).where(where).get();
      else if (home === db) [[row]] = await db.batch([db.update(tables.tenants).set(changes).where(where).returning(), ...audit(db)]);
      else {
        // Shard 0 keeps the limits the rate limiter reads; the tenant's own shard the copy its
        // dispatcher, contact policy and lifecycle read, with its audit trail.
        [row] = await db.update(tables.tenants).set(changes).where(where).returning();
        if (row) await home.batch([home.update(tables.tenants).set(changes).where(where), ...audit(home)]);
      }
      if (!row) throw new HttpError(404, "Tenant not found");
      if (Object.keys(changes).length) {
        // Its keys, cached with its limits, are read again here from the next request on (elsewhere within the cache's few seconds).
        forgetTenantKeys(tenantId);
        // The dispatcher also re-reads on its own every few minutes; this makes the change immediate.
        await tenantDispatcher(c.env, tenantId).configure(tenantId).catch((error: unknown) => {
          console.error(JSON.stringify({ level: "warn", msg: "dispatcher reconfigure failed", tenantId, error: errorSummary(error) }));
        });
      }
      return c.json(toWire(c.env, row, placement.shard), 200);
    },
  );
}
