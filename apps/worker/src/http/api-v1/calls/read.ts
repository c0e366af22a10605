import { createRoute, z } from "@hono/zod-openapi";
import { desc } from "drizzle-orm";
import { Call, CallEvent, CallList, CallListQuery, pathId, tables, type CallOutcome, type CallStatus } from "@switchboard/schemas";
import { callFilter, callHistory, countCalls, listCallsWithPatients, readCallWithPatient, type CallFilter } from "../../../calls/read-model";
import { getArchivedCallHistory, getArchivedCallView } from "../../../lifecycle/archived-calls";
import type { Db } from "../../../lib/db";
import { offsetOf, pagination } from "../../../lib/pagination";
import { iso } from "../../../lib/time";
import { auditRead } from "../../audit-reads";
import { scopeOf, type App } from "../../context";
import { HttpError } from "../../errors";
import { callToWire } from "./serialize";
import { apiKeySecurity as security, errorResponses, jsonResponse } from "../../openapi/helpers";

const tags = ["Calls"];
const Params = z.object({ callId: pathId("callId") });
const notFound = () => new HttpError(404, "Call not found");

export function registerReadCalls(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/calls", operationId: "listCalls", tags, security,
      summary: "List calls, newest first; narrowed by status, outcome, agent, campaign, patient and time",
      description: "Every filter given must hold. `status` and `outcome` take several values, comma separated (`status=completed,failed`).",
      request: { query: CallListQuery },
      responses: { 200: jsonResponse(CallList, "A page of calls"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const page = await callPage(c.var.db, c.var.tenantId, query, {
        statuses: query.status?.split(",") as CallStatus[] | undefined,
        outcomes: query.outcome?.split(",") as CallOutcome[] | undefined,
        agentId: query.agent_id,
        campaignId: query.batch_id,
        patientId: query.patient_id,
        createdAfter: query.created_after ? Date.parse(query.created_after) : undefined,
        createdBefore: query.created_before ? Date.parse(query.created_before) : undefined,
      });
      await auditRead(c, "call.read", page.data.map((call) => call.id), { list: true });
      return c.json({ data: page.data, pagination: pagination(query, page.data.length, page.total) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/calls/{callId}", operationId: "getCall", tags, security,
      summary: "Get a call",
      description: "Calls past the tenant's hot window are read from the archive (R2): same shape, a little slower.",
      request: { params: Params },
      responses: { 200: jsonResponse(Call, "The call"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { callId } = c.req.valid("param");
      // One D1 round trip: the call and the record of its read, together or neither.
      const view = await readCallWithPatient(c.var.db, scopeOf(c), callId);
      if (view) return c.json(callToWire(view), 200);
      // Past the tenant's hot window the call is in the archive (R2): same shape, more reads.
      const archived = await getArchivedCallView(c.var.db, c.env.FILES, c.var.tenantId, callId);
      if (!archived) throw notFound();
      await auditRead(c, "call.read", [archived.call.id]);
      return c.json(callToWire(archived), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/calls/{callId}/events", operationId: "listCallEvents", tags, security,
      summary: "A call's history: every accepted transition and provider attempt, oldest first",
      request: { params: Params },
      responses: { 200: jsonResponse(z.object({ data: z.array(CallEvent) }), "The call's events"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { callId } = c.req.valid("param");
      let rows = await callHistory(c.var.db, c.var.tenantId, callId);
      if (rows.length === 0) rows = await getArchivedCallHistory(c.var.db, c.env.FILES, c.var.tenantId, callId);
      if (rows.length === 0) throw notFound();
      return c.json(
        {
          data: rows.map((e) => ({ seq: e.seq, type: e.type, from_status: e.fromStatus, to_status: e.toStatus, detail: e.detail ?? null, at: iso(e.at) })),
        },
        200,
      );
    },
  );
}

/**
 * A page of the tenant's calls (all, or those `filter` picks), newest first, ties broken by id. Its
 * total is the tenant's call count (one row) for an unfiltered list, the campaign's when the caller
 * already counts it (`campaignTotal`), else counted over the filter.
 */
export async function callPage(
  db: Db,
  tenantId: string,
  query: { start: number; size: number; ended_after?: string | undefined },
  filter: CallFilter = {},
  campaignTotal?: Promise<number>,
) {
  const where = callFilter({ ...filter, endedAfter: query.ended_after ? Date.parse(query.ended_after) : undefined });
  const onlyCampaign = campaignTotal !== undefined && query.ended_after === undefined && Object.entries(filter).every(([k, v]) => k === "campaignId" || v === undefined);
  const { calls } = tables;
  const [views, total] = await Promise.all([
    listCallsWithPatients(db, tenantId, { where, orderBy: [desc(calls.createdAt), desc(calls.id)], limit: query.size, offset: offsetOf(query.start) }),
    onlyCampaign ? campaignTotal : countCalls(db, tenantId, where),
  ]);
  return { data: views.map(callToWire), total };
}
