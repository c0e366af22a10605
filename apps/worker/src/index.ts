import { createApp } from "./http/app";

export { CallObject } from "./objects/call/call-object";
export { TenantDispatcher } from "./objects/dispatcher/tenant-dispatcher";
export { TenantLimiter } from "./objects/limiter/tenant-limiter";
export { Internal } from "./internal";
export { WebhookSender } from "./objects/webhook-sender";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<import("./env").Env>;
