import type { App } from "../context";
import { registerAicalls } from "./aicalls";
import { voipbinNotFound, voipbinOnError } from "./errors";

/** VoIPbin's AI-call API under /v1.0, on Switchboard's calls. */
export const voipbinSurface = {
  prefix: "/v1.0",
  register(app: App) {
    app.openAPIRegistry.registerComponent("securitySchemes", "VoipbinAccessKey", {
      type: "apiKey",
      in: "query",
      name: "accesskey",
      description: "A Switchboard API key where VoIPbin clients put their access key (`?token=` works too)",
    });
    registerAicalls(app);
  },
  onError: voipbinOnError,
  notFound: voipbinNotFound,
};
