import { createApp } from "./app";

export { CallObject } from "./calls/call-object";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<import("./env").Env>;
