import { createRoute, z } from "@hono/zod-openapi";
import { and, count, desc, eq } from "drizzle-orm";
import { CallPageQuery, CampaignCancelResponse, CampaignDetail, CampaignList, PageQuery, pathId, tables, type CAMPAIGN_STATUSES } from "@switchboard/schemas";
import { campaignProgress } from "../../../campaigns/progress";
import { recordAudit } from "../../../audit/record";
import { cancelCampaign } from "../../../campaigns/cancel";
import { HttpError } from "../../errors";
import { offsetOf, pagination } from "../../../lib/pagination";
import { iso } from "../../../lib/time";
import { scopeOf, type App } from "../../context";
import { callPage } from "./read";
import { apiKeySecurity as security, errorResponses, jsonResponse } from "../../openapi/helpers";

const tags = ["Campaigns"];
const { campaigns } = tables;

export function registerCampaignRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/calls/campaigns", tags, security,
      summary: "List campaigns (batches), newest first",
      request: { query: PageQuery },
      responses: { 200: jsonResponse(CampaignList, "A page of campaigns"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const mine = eq(campaigns.tenantId, c.var.tenantId);
      const [rows, [totals]] = await Promise.all([
        c.var.db.select().from(campaigns).where(mine)
          .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
          .limit(query.size).offset(offsetOf(query.start)),
        c.var.db.select({ total: count() }).from(campaigns).where(mine),
      ]);
      return c.json(
        {
          data: rows.map((r) => ({ id: r.id, name: r.name, agent_id: r.agentId, created_at: iso(r.createdAt) })),
          pagination: pagination(query, rows.length, totals?.total ?? 0),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/calls/campaigns/{batchId}", tags, security,
      summary: "A campaign, its progress (calls per status) and a page of its calls",
      request: { params: z.object({ batchId: pathId("batchId") }), query: CallPageQuery },
      responses: { 200: jsonResponse(CampaignDetail, "The campaign and its calls"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { batchId } = c.req.valid("param");
      const query = c.req.valid("query");
      const campaign = await c.var.db
        .select()
        .from(campaigns)
        .where(and(eq(campaigns.id, batchId), eq(campaigns.tenantId, c.var.tenantId)))
        .get();
      if (!campaign) throw new HttpError(404, "Campaign not found");
      const [page, progress] = await Promise.all([
        callPage(c.var.db, c.var.tenantId, query, batchId),
        campaignProgress(c.var.db.$client, c.var.tenantId, batchId),
      ]);
      return c.json(
        {
          campaign: {
            id: campaign.id,
            name: campaign.name,
            agentId: campaign.agentId,
            createdAt: iso(campaign.createdAt),
            status: campaign.status as (typeof CAMPAIGN_STATUSES)[number],
            scheduledAt: iso(campaign.scheduledAt),
            progress,
          },
          data: page.data,
          pagination: pagination(query, page.data.length, page.total),
        },
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: "post", path: "/calls/campaigns/{batchId}/cancel", tags, security,
      summary: "Cancel a scheduled or running campaign",
      description:
        "Calls not yet dialed, and calls waiting for a retry, end `canceled` and are never dialed. Calls on the line are left to finish " +
        "(hang one up with DELETE /api/v1/calls/{callId}). Canceling again changes nothing.",
      request: { params: z.object({ batchId: pathId("batchId") }) },
      responses: { 200: jsonResponse(CampaignCancelResponse, "Canceled"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { batchId } = c.req.valid("param");
      const result = await cancelCampaign(c.env, c.var.tenantId, batchId);
      if (!result) throw new HttpError(404, "Campaign not found");
      await recordAudit(scopeOf(c), "campaign.canceled", batchId, { canceled: result.canceled, live: result.live });
      return c.json(
        {
          batchId,
          status: "canceled" as const,
          ...result,
          message: `Campaign canceled: ${result.canceled} calls will not be dialed; ${result.live} live calls left to finish`,
        },
        200,
      );
    },
  );
}
