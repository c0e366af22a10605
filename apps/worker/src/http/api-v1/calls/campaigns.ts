import { createRoute, z } from "@hono/zod-openapi";
import { and, count, desc, eq } from "drizzle-orm";
import { CallPageQuery, CampaignCancelResponse, CampaignDetail, CampaignHourly, CampaignList, CampaignPauseResponse, PageQuery, pathId, tables, type CAMPAIGN_STATUSES } from "@switchboard/schemas";
import { pauseCampaign, resumeCampaign } from "../../../campaigns/pause";
import { campaignHourly } from "../../../campaigns/hourly";
import { campaignPolicyCounts, campaignProgress } from "../../../campaigns/progress";
import { auditStatements } from "../../../audit/record";
import { cancelCampaign } from "../../../campaigns/cancel";
import type { Db } from "../../../lib/db";
import { HttpError } from "../../errors";
import { offsetOf, pagination } from "../../../lib/pagination";
import { iso } from "../../../lib/time";
import { auditRead } from "../../audit-reads";
import { scopeOf, type App } from "../../context";
import { callPage } from "./read";
import { apiKeySecurity as security, errorResponses, jsonResponse } from "../../openapi/helpers";

const tags = ["Campaigns"];
const { campaigns } = tables;
const Params = z.object({ batchId: pathId("batchId") });
type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

async function getCampaign(db: Db, tenantId: string, batchId: string) {
  const campaign = await db.select().from(campaigns).where(and(eq(campaigns.id, batchId), eq(campaigns.tenantId, tenantId))).get();
  if (!campaign) throw new HttpError(404, "Campaign not found");
  return campaign;
}

export function registerCampaignRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get", path: "/calls/campaigns", operationId: "listCampaigns", tags, security,
      summary: "List campaigns (batches), newest first, each with its progress",
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
      const progress = await campaignProgress(c.var.db.$client, c.var.tenantId, rows);
      return c.json(
        {
          data: rows.map((r) => ({
            id: r.id,
            name: r.name,
            agent_id: r.agentId,
            created_at: iso(r.createdAt),
            status: r.status as CampaignStatus,
            scheduled_at: iso(r.scheduledAt),
            paused: r.pausedAt !== null,
            progress: progress.get(r.id)!,
          })),
          pagination: pagination(query, rows.length, totals?.total ?? 0),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/calls/campaigns/{batchId}", operationId: "getCampaign", tags, security,
      summary: "A campaign, its progress (calls per status, expected finish; deferred and refused by the contact policy, by reason) and a page of its calls",
      request: { params: Params, query: CallPageQuery },
      responses: { 200: jsonResponse(CampaignDetail, "The campaign and its calls"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { batchId } = c.req.valid("param");
      const query = c.req.valid("query");
      const campaign = await getCampaign(c.var.db, c.var.tenantId, batchId);
      // The progress counts the campaign's calls: the page's total is theirs, not counted again.
      const counting = campaignProgress(c.var.db.$client, c.var.tenantId, [campaign]);
      const [page, progress] = await Promise.all([
        callPage(c.var.db, c.var.tenantId, query, { campaignId: batchId }, counting.then((p) => p.get(campaign.id)!.total)),
        counting,
      ]);
      const policy = await campaignPolicyCounts(c.var.db.$client, c.var.tenantId, batchId);
      await auditRead(c, "call.read", page.data.map((call) => call.id), { batchId });
      return c.json(
        {
          campaign: {
            id: campaign.id,
            name: campaign.name,
            agentId: campaign.agentId,
            createdAt: iso(campaign.createdAt),
            status: campaign.status as CampaignStatus,
            scheduledAt: iso(campaign.scheduledAt),
            paused: campaign.pausedAt !== null,
            pausedAt: iso(campaign.pausedAt),
            progress: { ...progress.get(campaign.id)!, ...policy },
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
      method: "get", path: "/calls/campaigns/{batchId}/hourly", operationId: "getCampaignHourly", tags, security,
      summary: "The campaign's calls that ended in each hour, by outcome",
      request: { params: Params },
      responses: { 200: jsonResponse(CampaignHourly, "Calls per hour by outcome"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { batchId } = c.req.valid("param");
      await getCampaign(c.var.db, c.var.tenantId, batchId);
      return c.json({ batchId, data: await campaignHourly(c.var.db.$client, c.var.tenantId, batchId) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post", path: "/calls/campaigns/{batchId}/cancel", operationId: "cancelCampaign", tags, security,
      summary: "Cancel a scheduled or running campaign",
      description:
        "Calls not yet dialed, and calls waiting for a retry, end `canceled` and are never dialed. Calls on the line are left to finish " +
        "(hang one up with DELETE /api/v1/calls/{callId}). Canceling again changes nothing.",
      request: { params: Params },
      responses: { 200: jsonResponse(CampaignCancelResponse, "Canceled"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { batchId } = c.req.valid("param");
      const audit = auditStatements(c.var.db.$client, scopeOf(c), "campaign.canceled", batchId, undefined, { onlyIfChanged: true });
      const result = await cancelCampaign(c.env, c.var.tenantId, batchId, Date.now(), audit);
      if (!result) throw new HttpError(404, "Campaign not found");
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

  app.openapi(
    createRoute({
      method: "post", path: "/calls/campaigns/{batchId}/pause", tags, security, operationId: "pauseCampaign",
      summary: "Pause a campaign",
      description:
        "No call of the campaign is dialed until it is resumed: waiting calls keep their places in the tenant's queue, calls on the line finish. " +
        "Audited (`campaign.paused`) and announced (`campaign.paused` webhook). Pausing a paused campaign changes nothing (`changed: false`); a canceled one answers 409.",
      request: { params: z.object({ batchId: pathId("batchId") }) },
      responses: { 200: jsonResponse(CampaignPauseResponse, "Paused"), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const { batchId } = c.req.valid("param");
      const result = await pauseCampaign(scopeOf(c), batchId);
      if (!result) throw new HttpError(404, "Campaign not found");
      const message = result.changed ? `Campaign paused: no new calls will be dialed; ${result.live} live calls left to finish` : "Campaign was already paused";
      return c.json({ batchId, ...result, message }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post", path: "/calls/campaigns/{batchId}/resume", tags, security, operationId: "resumeCampaign",
      summary: "Resume a paused campaign",
      description:
        "Its waiting calls take lines again, in the order they had (each still inside its patient's calling hours and the contact policy). " +
        "Audited (`campaign.resumed`) and announced (`campaign.resumed` webhook). Resuming a running campaign changes nothing (`changed: false`); a canceled one answers 409.",
      request: { params: z.object({ batchId: pathId("batchId") }) },
      responses: { 200: jsonResponse(CampaignPauseResponse, "Resumed"), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const { batchId } = c.req.valid("param");
      const result = await resumeCampaign(scopeOf(c), batchId);
      if (!result) throw new HttpError(404, "Campaign not found");
      return c.json({ batchId, ...result, message: result.changed ? "Campaign resumed" : "Campaign was not paused" }, 200);
    },
  );
}
