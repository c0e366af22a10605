import { createRoute, z } from "@hono/zod-openapi";
import { and, count, desc, eq, inArray } from "drizzle-orm";
import { Agent, AgentCreate, AgentUpdate, LIVE_STATUSES, RetrySettings, SimulatorSettings, PageQuery, Pagination, pathId, providerList, tables, WAITING_STATUSES } from "@switchboard/schemas";
import { agentToWire, getAgent, settingsOf } from "../../agents/store";
import { auditQueries, changedFields } from "../../audit/record";
import { HttpError } from "../errors";
import { offsetOf, pagination } from "../../lib/pagination";
import { scopeOf, type App } from "../context";
import { apiKeySecurity as security, errorResponses, jsonBody, jsonResponse } from "../openapi/helpers";

const tags = ["Agents"];
const Params = z.object({ agentId: pathId("agentId") });
const AgentList = z.object({ data: z.array(Agent), pagination: Pagination }).openapi("AgentList");
const notFound = () => new HttpError(404, "Agent not found");
/** Calls that still need their agent: live, or waiting to be dialed. */
const BLOCKING_STATUSES = [...LIVE_STATUSES, ...WAITING_STATUSES];

export function registerAgentRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: "/agents", operationId: "createAgent", tags, security, summary: "Create an agent",
      request: { body: jsonBody(AgentCreate) },
      responses: { 201: jsonResponse(Agent, "The agent"), ...errorResponses(400, 401, 403, 413) },
    }),
    async (c) => {
      const { name, provider, providers, ...rest } = c.req.valid("json");
      const list = providerList({ provider, providers })!;
      const now = Date.now();
      const id = crypto.randomUUID();
      const { db } = c.var;
      const [[row]] = await db.batch([
        db.insert(tables.agents).values({ id, tenantId: c.var.tenantId, name, provider: list[0]!.provider, settings: settingsOf(rest, list), createdAt: now, updatedAt: now }).returning(),
        ...auditQueries(db, scopeOf(c), "agent.created", id),
      ]);
      return c.json(agentToWire(row!), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/agents", operationId: "listAgents", tags, security, summary: "List agents, newest first",
      request: { query: PageQuery },
      responses: { 200: jsonResponse(AgentList, "A page of agents"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const mine = eq(tables.agents.tenantId, c.var.tenantId);
      const [rows, [totals]] = await Promise.all([
        c.var.db.select().from(tables.agents).where(mine)
          .orderBy(desc(tables.agents.createdAt), desc(tables.agents.id))
          .limit(query.size).offset(offsetOf(query.start)),
        c.var.db.select({ total: count() }).from(tables.agents).where(mine),
      ]);
      return c.json({ data: rows.map(agentToWire), pagination: pagination(query, rows.length, totals?.total ?? 0) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/agents/{agentId}", operationId: "getAgent", tags, security, summary: "Get an agent",
      request: { params: Params },
      responses: { 200: jsonResponse(Agent, "The agent"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const row = await getAgent(c.var.db, c.var.tenantId, c.req.valid("param").agentId);
      if (!row) throw notFound();
      return c.json(agentToWire(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch", path: "/agents/{agentId}", operationId: "updateAgent", tags, security,
      summary: "Update an agent (calls already placed keep the settings they started with)",
      request: { params: Params, body: jsonBody(AgentUpdate) },
      responses: { 200: jsonResponse(Agent, "The updated agent"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { agentId } = c.req.valid("param");
      const { name, provider, providers, ...changes } = c.req.valid("json");
      const current = await getAgent(c.var.db, c.var.tenantId, agentId);
      if (!current) throw notFound();
      const currentWire = agentToWire(current);
      const { simulator, retry, ...flat } = changes;
      const merged = {
        ...currentWire,
        ...stripUndefined(flat),
        // Nested settings merge field by field over what is stored; only fields never set fall back to defaults.
        simulator: simulator ? SimulatorSettings.parse({ ...currentWire.simulator, ...stripUndefined(simulator) }) : currentWire.simulator,
        retry: retry ? RetrySettings.parse({ ...currentWire.retry, ...stripUndefined(retry) }) : currentWire.retry,
      };
      if (merged.allowedPurposes && !merged.allowedPurposes.includes(merged.purpose)) {
        throw new HttpError(400, `purpose ${merged.purpose} is not one of the agent's allowedPurposes (${merged.allowedPurposes.join(", ")})`);
      }
      const list = providerList({ provider, providers }) ?? currentWire.providers;
      const { db } = c.var;
      const [[row]] = await db.batch([
        db
          .update(tables.agents)
          .set({
            name: name ?? current.name,
            provider: list[0]!.provider,
            settings: settingsOf({ ...merged, simulator: merged.simulator ?? undefined, retry: merged.retry }, list),
            updatedAt: Date.now(),
          })
          .where(and(eq(tables.agents.id, agentId), eq(tables.agents.tenantId, c.var.tenantId)))
          .returning(),
        ...auditQueries(db, scopeOf(c), "agent.updated", agentId, { fields: changedFields(c.req.valid("json")) }, { onlyIfChanged: true }),
      ]);
      if (!row) throw notFound();
      return c.json(agentToWire(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete", path: "/agents/{agentId}", operationId: "deleteAgent", tags, security,
      summary: "Delete an agent (refused with 409 while it has live or waiting calls)",
      request: { params: Params },
      responses: { 200: jsonResponse(z.object({ id: z.string(), deleted: z.literal(true) }), "Deleted"), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const { agentId } = c.req.valid("param");
      const agent = await getAgent(c.var.db, c.var.tenantId, agentId);
      if (!agent) throw notFound();
      const [busy] = await c.var.db
        .select({ n: count() })
        .from(tables.calls)
        .where(and(eq(tables.calls.agentId, agentId), inArray(tables.calls.status, [...BLOCKING_STATUSES])));
      if ((busy?.n ?? 0) > 0) throw new HttpError(409, `Agent has ${busy?.n} live or waiting calls; hang them up or wait for them to end`);
      const { db } = c.var;
      const [gone] = await db.batch([
        db.delete(tables.agents).where(and(eq(tables.agents.id, agentId), eq(tables.agents.tenantId, c.var.tenantId))).returning({ id: tables.agents.id }),
        ...auditQueries(db, scopeOf(c), "agent.deleted", agentId, undefined, { onlyIfChanged: true }),
      ]);
      if (!gone.length) throw notFound();
      return c.json({ id: agentId, deleted: true as const }, 200);
    },
  );
}

function stripUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
