import { createRoute, z } from "@hono/zod-openapi";
import { desc } from "drizzle-orm";
import { Call, CallEvent, CallList, CallPageQuery, pathId, tables } from "@switchboard/schemas";
import { callFilter, callHistory, countCalls, getCallView, listCallViews } from "../../../calls/read-model";
import { getArchivedCallHistory, getArchivedCallView } from "../../../lifecycle/archived-calls";
import type { Db } from "../../../lib/db";
import { offsetOf, pagination } from "../../../lib/pagination";
import { iso } from "../../../lib/time";
import type { App } from "../../context";
import { HttpError } from "../../errors";
import { callToWire } from "./serialize";
import { apiKeySecurity as security, errorResponses, jsonResponse } from "../../openapi/helpers";

const tags = ["Calls"];
const Params = z.object({ callId: pathId("callId") });
const notFound = () => new HttpError(404, "Call not found");

export function registerReadCalls(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/calls", tags, security,
      summary: "List calls, newest first",
      request: { query: CallPageQuery },
      responses: { 200: jsonResponse(CallList, "A page of calls"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const page = await callPage(c.var.db, c.var.tenantId, query);
      return c.json({ data: page.data, pagination: pagination(query, page.data.length, page.total) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/calls/{callId}", tags, security,
      summary: "Get a call",
      description: "Calls past the tenant's hot window are read from the archive (R2): same shape, a little slower.",
      request: { params: Params },
      responses: { 200: jsonResponse(Call, "The call"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { callId } = c.req.valid("param");
      const view = (await getCallView(c.var.db, c.var.tenantId, callId)) ?? (await getArchivedCallView(c.var.db, c.env.FILES, c.var.tenantId, callId));
      if (!view) throw notFound();
      return c.json(callToWire(view), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/calls/{callId}/events", tags, security,
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

/** A page of the tenant's calls (optionally one campaign's), newest first, ties broken by id. */
export async function callPage(db: Db, tenantId: string, query: { start: number; size: number; ended_after?: string | undefined }, campaignId?: string) {
  const where = callFilter({ campaignId, endedAfter: query.ended_after ? Date.parse(query.ended_after) : undefined });
  const { calls } = tables;
  const [views, total] = await Promise.all([
    listCallViews(db, tenantId, { where, orderBy: [desc(calls.createdAt), desc(calls.id)], limit: query.size, offset: offsetOf(query.start) }),
    countCalls(db, tenantId, where),
  ]);
  return { data: views.map(callToWire), total };
}
