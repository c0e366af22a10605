import { client, ok, type CampaignProgress } from "./api";

/** What the campaign page knows of a campaign when it offers actions. */
export interface CampaignState {
  id: string;
  status: string;
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

/**
 * The buttons of a campaign's page, in order. Pausing and resuming (`POST …/pause`, `…/resume`)
 * join this list as two more entries once those routes are in the API and the SDK is regenerated:
 * offered while `status` is `released` (pause) or `paused` (resume).
 */
export const CAMPAIGN_ACTIONS: CampaignAction[] = [
  {
    label: "Cancel campaign",
    offered: (c) => c.status !== "canceled" && c.progress.ended < c.progress.total,
    confirm: "Cancel this campaign? Calls not yet dialed will never be; calls on the line finish.",
    danger: true,
    run: async (batchId) => ok(await client.POST("/api/v1/calls/campaigns/{batchId}/cancel", { params: { path: { batchId } } })),
  },
];
