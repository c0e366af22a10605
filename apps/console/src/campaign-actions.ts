import { client, ok, type CampaignProgress } from "./api";

/** What the campaign page knows of a campaign when it offers actions. */
export interface CampaignState {
  id: string;
  status: string;
  paused: boolean;
  progress: CampaignProgress;
}

export interface CampaignAction {
  label: string;
  /** Whether the action makes sense for the campaign as it is now. */
  offered: (campaign: CampaignState) => boolean;
  confirm?: string;
  danger?: boolean;
  run: (batchId: string) => Promise<unknown>;
}

const unfinished = (c: CampaignState) => c.status !== "canceled" && c.progress.ended < c.progress.total;

/** The buttons of a campaign's page, in order. */
export const CAMPAIGN_ACTIONS: CampaignAction[] = [
  {
    label: "Pause",
    offered: (c) => unfinished(c) && !c.paused,
    run: async (batchId) => ok(await client.POST("/api/v1/calls/campaigns/{batchId}/pause", { params: { path: { batchId } } })),
  },
  {
    // Offered on a paused campaign even once every call has ended: the mark would otherwise stay.
    label: "Resume",
    offered: (c) => c.status !== "canceled" && c.paused,
    run: async (batchId) => ok(await client.POST("/api/v1/calls/campaigns/{batchId}/resume", { params: { path: { batchId } } })),
  },
  {
    label: "Cancel campaign",
    offered: unfinished,
    confirm: "Cancel this campaign? Calls not yet dialed will never be; calls on the line finish.",
    danger: true,
    run: async (batchId) => ok(await client.POST("/api/v1/calls/campaigns/{batchId}/cancel", { params: { path: { batchId } } })),
  },
];
