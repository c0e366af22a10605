export { createSwitchboardClient, ok, SwitchboardError, type SwitchboardClient, type SwitchboardOptions } from "./client";
export { followCampaign, unfinished, type CampaignDetail } from "./campaigns";
export { verifyWebhook, WebhookVerificationError, type WebhookEvent } from "./webhooks";
export type { components, operations, paths, webhooks } from "./schema";
