import { ok, type SwitchboardClient } from "./client";
import type { components } from "./schema";

export type CampaignDetail = components["schemas"]["CampaignDetail"];

const ENDED = ["completed", "failed", "canceled"] as const;

/** Calls of the campaign that have not ended yet (waiting, queued, live or between attempts). */
export function unfinished(progress: CampaignDetail["campaign"]["progress"]): number {
  return progress.total - ENDED.reduce((sum, status) => sum + (progress.byStatus[status] ?? 0), 0);
}

/**
 * Follows a campaign until every call has ended: yields the campaign (its status and progress) every
 * `intervalMs`, the last time once nothing is left to happen. Stops early when `signal` aborts.
 */
export async function* followCampaign(
  client: SwitchboardClient,
  batchId: string,
  options: { intervalMs?: number; signal?: AbortSignal } = {},
): AsyncGenerator<CampaignDetail["campaign"]> {
  const intervalMs = options.intervalMs ?? 2000;
  for (;;) {
    const { campaign } = ok(await client.GET("/api/v1/calls/campaigns/{batchId}", { params: { path: { batchId }, query: { size: 1 } }, signal: options.signal }));
    yield campaign;
    if (unfinished(campaign.progress) === 0) return;
    if (options.signal?.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
