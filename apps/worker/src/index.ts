import { createApp } from "./app";

export { CallObject } from "./calls/call-object";
export { TenantDispatcher } from "./dispatch/tenant-dispatcher";
export { Internal } from "./internal";
export { WebhookSender } from "./webhooks/sender-object";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<import("./env").Env>;
