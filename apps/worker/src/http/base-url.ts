import type { Env } from "../env";

/** The origin vendors and link holders reach this deployment at: PUBLIC_BASE_URL, else the request's own. */
export function publicBaseUrl(env: Env, requestUrl: string): string {
  const configured = env.PUBLIC_BASE_URL?.trim().replace(/\/+$/, "");
  return configured || new URL(requestUrl).origin;
}
