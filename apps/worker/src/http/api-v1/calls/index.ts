import type { App } from "../../context";
import { registerCampaignRoutes } from "./campaigns";
import { registerCreateCall } from "./create";
import { registerHangupCall } from "./hangup";
import { registerPreviewCalls } from "./preview";
import { registerReadCalls } from "./read";

export function registerCallRoutes(app: App) {
  registerCreateCall(app);
  registerPreviewCalls(app);
  // Before /calls/{callId}, so "campaigns" is never read as a call id.
  registerCampaignRoutes(app);
  registerReadCalls(app);
  registerHangupCall(app);
}
