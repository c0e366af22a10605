import { createDb } from "../../lib/db";
import { chooseShard, placementOf, shardDatabase } from "../../shards/directory";
import { tenantScopeOf } from "../middleware/tenant-shard";
import { createRoute, z } from "@hono/zod-openapi";
import { count, desc, eq } from "drizzle-orm";
import { PageQuery, Tenant, TenantCreateRequest, TenantCreated, TenantList, TenantUpdate, pathId, tables } from "@switchboard/schemas";
import { changedFields, recordAudit } from "../../audit/record";
import { tenantDispatcher } from "../../objects/stubs";
import { legalWindow, parseClock } from "../../objects/dispatcher/calling-window";
import type { Env } from "../../env";
import { HttpError } from "../errors";
import { offsetOf, pagination } from "../../lib/pagination";
import { iso } from "../../lib/time";
import { isIanaTimezone } from "../../lib/timezone";
import { issueApiKey } from "../../tenants/keys";
import { scopeOf, type App } from "../context";
import { adminSecurity, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";
import { errorSummary } from "../../lib/log-safe";

const tags = ["Admin"];
const TenantParams = z.object({ tenantId: pathId("tenantId") });

function toWire(row: typeof tables.tenants.$inferSelect, shard: number): z.infer<typeof Tenant> {
  return {
    id: row.id,
    shard,
    name: row.name,
    concurrencyLimit: row.concurrencyLimit,
    timezone: row.timezone,
    callingHours: row.callingHoursStart && row.callingHoursEnd ? { start: row.callingHoursStart, end: row.callingHoursEnd } : null,
    hotWindowDays: row.hotWindowDays,
    phiRetentionDays: row.phiRetentionDays,
    createdAt: iso(row.createdAt),
  };
}

/** Tenant hours may only narrow the deployment's legal window; returned as columns. */
function callingHoursColumns(env: Env, hours: { start: string; end: string } | null | undefined) {
  if (hours === undefined) return {};
  if (hours === null) return { callingHoursStart: null, callingHoursEnd: null };
  const legal = legalWindow(env);
  if (parseClock(hours.start) < legal.start || parseClock(hours.end) > legal.end) {
    const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    throw new HttpError(400, `callingHours must lie within the legal calling hours ${clock(legal.start)}-${clock(legal.end)}`);
  }
  return { callingHoursStart: hours.start, callingHoursEnd: hours.end };
}

function checkTimezone(zone: string | undefined) {
  if (zone !== undefined && !isIanaTimezone(zone)) throw new HttpError(400, "timezone must be an IANA time zone such as America/New_York");
}

export function registerTenantRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/tenants", tags, security: adminSecurity,
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
      const values = {
          id: crypto.randomUUID(),
          name: body.name,
          concurrencyLimit: body.concurrencyLimit ?? 10,
          timezone: body.timezone ?? "America/New_York",
          ...callingHoursColumns(c.env, body.callingHours),
          hotWindowDays: body.hotWindowDays ?? 90,
          phiRetentionDays: body.phiRetentionDays ?? null,
          createdAt: Date.now(),
      };
      // Its data shard first (its rows' foreign keys point at this copy), then shard 0's control
      // plane and directory entry in one batch: a tenant is listed only once it can be used.
      const home = createDb(shardDatabase(c.env, shard));
      if (shard !== 0) await home.insert(tables.tenants).values(values);
      const [rows] = await c.var.db.batch([
        c.var.db.insert(tables.tenants).values(values).returning(),
        ...(shard !== 0 ? [c.var.db.insert(tables.tenantShards).values({ tenantId: values.id, shard, updatedAt: values.createdAt })] : []),
      ]);
      const row = rows[0]!;
      const key = await issueApiKey(c.var.db, row.id, "default");
      const scope = { ...scopeOf(c, row.id), db: home };
      await recordAudit(scope, "tenant.created", row.id, { shard });
      await recordAudit(scope, "api_key.issued", key.id);
      return c.json({ ...toWire(row, shard), apiKey: key.apiKey, apiKeyId: key.id }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/tenants", tags, security: adminSecurity, summary: "List tenants",
      request: { query: PageQuery },
      responses: { 200: jsonResponse(TenantList, "Tenants, newest first"), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const [rows, [totals]] = await Promise.all([
        c.var.db.select({ tenant: tables.tenants, shard: tables.tenantShards.shard }).from(tables.tenants)
          .leftJoin(tables.tenantShards, eq(tables.tenantShards.tenantId, tables.tenants.id))
          .orderBy(desc(tables.tenants.createdAt), desc(tables.tenants.id)).limit(query.size).offset(offsetOf(query.start)),
        c.var.db.select({ total: count() }).from(tables.tenants),
      ]);
      return c.json({ data: rows.map((r) => toWire(r.tenant, r.shard ?? 0)), pagination: pagination(query, rows.length, totals?.total ?? 0) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/tenants/{tenantId}", tags, security: adminSecurity, summary: "Get a tenant",
      request: { params: TenantParams },
      responses: { 200: jsonResponse(Tenant, "The tenant"), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const row = await c.var.db.select().from(tables.tenants).where(eq(tables.tenants.id, tenantId)).get();
      if (!row) throw new HttpError(404, "Tenant not found");
      return c.json(toWire(row, (await placementOf(c.env, tenantId, true)).shard), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch", path: "/tenants/{tenantId}", tags, security: adminSecurity,
      summary: "Change a tenant's name, concurrency limit, default time zone, calling hours or retention",
      description: "A new limit or new calling hours apply to the tenant's queue at once; live calls are never cut off.",
      request: { params: TenantParams, body: jsonBody(TenantUpdate) },
      responses: { 200: jsonResponse(Tenant, "The updated tenant"), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const body = c.req.valid("json");
      checkTimezone(body.timezone);
      const { callingHours, ...rest } = body;
      const changes = { ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)), ...callingHoursColumns(c.env, callingHours) };
      const where = eq(tables.tenants.id, tenantId);
      // drizzle throws "No values to set" on an empty SET (a 500): with nothing to change, just read.
      const row = Object.keys(changes).length
        ? await c.var.db.update(tables.tenants).set(changes).where(where).returning().get()
        : await c.var.db.select().from(tables.tenants).where(where).get();
      if (!row) throw new HttpError(404, "Tenant not found");
      const placement = await placementOf(c.env, tenantId, true);
      if (Object.keys(changes).length) {
        // The tenant's own shard keeps a copy that the dispatcher and the lifecycle read.
        if (placement.shard !== 0) await createDb(shardDatabase(c.env, placement.shard)).update(tables.tenants).set(changes).where(where);
        await recordAudit(await tenantScopeOf(c, tenantId), "tenant.updated", tenantId, { fields: changedFields(body) });
        // The dispatcher also re-reads on its own every few minutes; this makes the change immediate.
        await tenantDispatcher(c.env, tenantId).configure(tenantId).catch((error: unknown) => {
          console.error(JSON.stringify({ level: "warn", msg: "dispatcher reconfigure failed", tenantId, error: errorSummary(error) }));
        });
      }
      return c.json(toWire(row, placement.shard), 200);
    },
  );
}
