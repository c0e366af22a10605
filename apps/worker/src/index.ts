import { createApp } from "./http/app";
import { withFaults } from "./lib/faults";

export { CallObject } from "./objects/call/call-object";
export { TenantDispatcher } from "./objects/dispatcher/tenant-dispatcher";
export { TenantLimiter } from "./objects/limiter/tenant-limiter";
export { Internal } from "./internal";
export { WebhookSender } from "./objects/webhook-sender";

const app = createApp();

export default {
  // withFaults is the identity outside test and development (lib/faults.ts).
  fetch: (request, env, ctx) => app.fetch(request, withFaults(env), ctx),
} satisfies ExportedHandler<import("./env").Env>;
