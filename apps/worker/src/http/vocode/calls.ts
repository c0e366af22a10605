import { createRoute, z } from "@hono/zod-openapi";
import { asc, desc, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { tables } from "@switchboard/schemas";
import { jsonResponse } from "../openapi/helpers";
import { scopeOf, type App } from "../context";
import { auditRead } from "../audit-reads";
import { hangUpCall } from "../../calls/hang-up";
import { countCalls, getCallView, listCallViews } from "../../calls/read-model";
import { findCallView } from "../../lifecycle/archived-calls";
import { invalidField, VocodeError } from "./errors";
import { vocodeErrorResponses, vocodeSecurity, vocodeTags } from "./openapi";
import { VocodeCall, VocodeCallPage, VocodeHttpError } from "./schema";
import { toVocodeCall, toVocodeListItem } from "./serialize";

const { calls } = tables;
const IdQuery = z.object({ id: z.guid().openapi({ param: { name: "id", in: "query" }, example: "3c90c3cc-0d44-4b50-8888-8dd25736052a" }) });
const notFound = () => new VocodeError(404, "Call not found");

/** Columns `sort_column` may name (fields of the call object); ties keep creation order. */
const SORT_COLUMNS: Record<string, SQLiteColumn> = {
  start_time: calls.startedAt,
  end_time: calls.endedAt,
  to_number: calls.phoneNumber,
  id: calls.id,
};
/** What pydantic accepts as a boolean query value. */
const BOOLEANS: Record<string, boolean> = { true: true, false: false, "1": true, "0": false, yes: true, no: false, on: true, off: false, t: true, f: false, y: true, n: false };

const ListQuery = z.object({
  page: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(1).openapi({ param: { name: "page", in: "query" }, example: 1 }),
  size: z.coerce.number().int().min(1).max(100).default(10).openapi({ param: { name: "size", in: "query" }, example: 10 }),
  sort_column: z.enum(Object.keys(SORT_COLUMNS) as [string, ...string[]]).optional().openapi({ param: { name: "sort_column", in: "query" } }),
  sort_desc: z.string().optional().openapi({ param: { name: "sort_desc", in: "query" }, example: "false", description: "Boolean; default false" }),
});

export function registerVocodeCalls(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/calls/list", operationId: "vocodeListCalls", tags: vocodeTags, security: vocodeSecurity,
      summary: "List calls (Vocode's GET /v1/calls/list)",
      description: "Every call of the tenant, whichever API placed it. Without `sort_column`, in creation order (oldest first unless `sort_desc`).",
      request: { query: ListQuery },
      responses: { 200: jsonResponse(VocodeCallPage, "A page of calls"), ...vocodeErrorResponses },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const descending = parseBoolean(query.sort_desc);
      const direction = descending ? desc : asc;
      const orderBy: (SQL | SQLiteColumn)[] = [
        ...(query.sort_column ? [direction(SORT_COLUMNS[query.sort_column]!)] : []),
        direction(calls.createdAt),
        direction(calls.id),
      ];
      const offset = (query.page - 1) * query.size;
      const [views, total] = await Promise.all([
        listCallViews(c.var.db, c.var.tenantId, { orderBy, limit: query.size, offset }),
        countCalls(c.var.db, c.var.tenantId),
      ]);
      await auditRead(c, "call.read", views.map((v) => v.call.id), { list: true });
      return c.json(
        {
          items: views.map(toVocodeListItem),
          page: query.page,
          size: query.size,
          has_more: offset + views.length < total,
          total,
          total_is_estimated: false,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/calls", operationId: "vocodeGetCall", tags: vocodeTags, security: vocodeSecurity,
      summary: "Get a call (Vocode's GET /v1/calls?id=)",
      request: { query: IdQuery },
      responses: { 200: jsonResponse(VocodeCall, "The call"), 404: jsonResponse(VocodeHttpError, "No such call"), ...vocodeErrorResponses },
    }),
    async (c) => {
      const view = await findCallView(c.var.db, c.env.FILES, c.var.tenantId, c.req.valid("query").id);
      if (!view) throw notFound();
      await auditRead(c, "call.read", [view.call.id]);
      return c.json(toVocodeCall(view), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post", path: "/calls/end", operationId: "vocodeEndCall", tags: vocodeTags, security: vocodeSecurity,
      summary: "End a call (Vocode's POST /v1/calls/end?id=)",
      description: "Hangs up a call that is being placed or is on the line; concurrent requests resolve to one hangup. Other calls answer 400.",
      request: { query: IdQuery },
      responses: {
        200: jsonResponse(VocodeCall, "The ended call"),
        400: jsonResponse(VocodeHttpError, "The call is not in progress"),
        404: jsonResponse(VocodeHttpError, "No such call"),
        ...vocodeErrorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("query");
      const result = await hangUpCall(scopeOf(c), id);
      if (result === "not-found") throw notFound();
      if (result === "not-hangable") throw new VocodeError(400, "Call is not in progress");
      const view = await getCallView(c.var.db, c.var.tenantId, id);
      if (!view) throw notFound();
      return c.json(toVocodeCall(view), 200);
    },
  );
}

function parseBoolean(value: string | undefined): boolean {
  if (value === undefined) return false;
  const parsed = BOOLEANS[value.toLowerCase()];
  if (parsed === undefined) throw invalidField(["query", "sort_desc"], "Input should be a valid boolean, unable to interpret input", "bool_parsing");
  return parsed;
}
