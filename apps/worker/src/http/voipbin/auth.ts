import type { Context } from "hono";
import { apiKeyAuthFrom, presentedKey } from "../middleware/auth";
import type { AppEnv } from "../context";

/**
 * VoIPbin clients send their credential as `?accesskey=` (access keys), `?token=` or
 * `Authorization: Bearer`; any of them may carry a Switchboard API key here. A key in the query
 * string ends up in proxy and CDN logs: keys limited to this surface (`surface: "voipbin"`) keep
 * such a leak away from every other surface.
 */
export function presentedVoipbinKey(c: Context<AppEnv>): string | undefined {
  return presentedKey(c.req) ?? (c.req.query("accesskey") || c.req.query("token") || undefined);
}

export const voipbinAuth = apiKeyAuthFrom(presentedVoipbinKey, "voipbin");
