import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq, and } from "drizzle-orm";
import { Call, CallEvent, CallList, CallPageQuery, pathId, tables } from "@switchboard/schemas";
import { getCall, listCalls } from "../../../calls/queries";
import { ApiError } from "../../errors";
import { pagination } from "../../../lib/pagination";
import { iso } from "../../../lib/time";
import type { App } from "../../context";
import { apiKeySecurity as security, errorResponses, jsonResponse } from "../../openapi/helpers";

const tags = ["Calls"];
const Params = z.object({ callId: pathId("callId") });
const notFound = () => new ApiError(404, "Call not found");

export function registerReadCalls(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/api/v1/calls", tags, security,
      summary: "List calls, newest first",
      request: { query: CallPageQuery },
      responses: { 200: jsonResponse(CallList, "A page of calls"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const page = await listCalls(c.var.db, c.var.tenantId, query);
      return c.json({ data: page.data, pagination: pagination(query, page.data.length, page.total) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/api/v1/calls/{callId}", tags, security,
      summary: "Get a call",
      request: { params: Params },
      responses: { 200: jsonResponse(Call, "The call"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const call = await getCall(c.var.db, c.var.tenantId, c.req.valid("param").callId);
      if (!call) throw notFound();
      return c.json(call, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/api/v1/calls/{callId}/events", tags, security,
      summary: "A call's history: every accepted transition and provider attempt, oldest first",
      request: { params: Params },
      responses: { 200: jsonResponse(z.object({ data: z.array(CallEvent) }), "The call's events"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { callId } = c.req.valid("param");
      const { callEvents } = tables;
      const rows = await c.var.db
        .select()
        .from(callEvents)
        .where(and(eq(callEvents.callId, callId), eq(callEvents.tenantId, c.var.tenantId)))
        .orderBy(asc(callEvents.seq));
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
