import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { findSession, SESSION_TTL_MS, type ConsoleSession } from "../../tenants/console-sessions";
import { limitsOf } from "../../tenants/limits";
import type { AppEnv } from "../context";
import { HttpError } from "../errors";
import { useTenantShard } from "../middleware/tenant-shard";

export const SESSION_COOKIE = "sb_console";
/** The header every state-changing console request carries. A cross-site page cannot send it without a CORS preflight, which the console never grants. */
export const CSRF_HEADER = "X-Switchboard-Console";
const COOKIE = { path: "/console", httpOnly: true, secure: true, sameSite: "Strict" } as const;

export function setSessionCookie(c: Context<AppEnv>, id: string) {
  setCookie(c, SESSION_COOKIE, id, { ...COOKIE, maxAge: SESSION_TTL_MS / 1000 });
}

export function clearSessionCookie(c: Context<AppEnv>) {
  deleteCookie(c, SESSION_COOKIE, COOKIE);
}

export function sessionId(c: Context<AppEnv>): string | undefined {
  const id = getCookie(c, SESSION_COOKIE);
  // Ours are 43 base64url characters: anything else is not worth a database read.
  return id && /^[A-Za-z0-9_-]{43}$/.test(id) ? id : undefined;
}

export async function currentSession(c: Context<AppEnv>): Promise<ConsoleSession | null> {
  const id = sessionId(c);
  // Sessions are control plane, on shard 0 with the keys they stand in for.
  return id ? findSession(c.env.DB, c.env.ADMIN_TOKEN, id) : null;
}

/**
 * CSRF: a request that changes anything must carry the console's header and, when the browser says
 * where it comes from, come from this origin. The cookie is SameSite=Strict as well.
 */
export const csrfGuard = createMiddleware<AppEnv>(async (c, next) => {
  if (!["GET", "HEAD", "OPTIONS"].includes(c.req.method)) {
    if (c.req.header(CSRF_HEADER) !== "1") throw new HttpError(403, `Console requests that change anything must send ${CSRF_HEADER}: 1`);
    const origin = c.req.header("Origin");
    const allowed = [new URL(c.req.url).origin, c.env.PUBLIC_BASE_URL ? new URL(c.env.PUBLIC_BASE_URL).origin : null];
    if (origin !== undefined && !allowed.includes(origin)) throw new HttpError(403, "Cross-origin console request refused");
    const site = c.req.header("Sec-Fetch-Site");
    if (site !== undefined && site !== "same-origin" && site !== "none") throw new HttpError(403, "Cross-site console request refused");
  }
  await next();
});

/** The tenant API behind a tenant's console session: the session stands in for the API key it was opened with. */
export const tenantSessionAuth = createMiddleware<AppEnv>(async (c, next) => {
  const session = await currentSession(c);
  if (session?.kind !== "tenant") throw new HttpError(401, "Sign in to the console with the clinic's API key");
  c.set("tenantId", session.tenantId);
  c.set("apiKeyId", session.apiKeyId);
  c.set("limits", limitsOf(session.limits, c.env));
  useTenantShard(c, session.placement);
  await next();
});

/** The operator API behind an operator's console session. */
export const operatorSessionAuth = createMiddleware<AppEnv>(async (c, next) => {
  const session = await currentSession(c);
  if (session?.kind !== "operator") throw new HttpError(401, "Sign in to the console with the admin token");
  await next();
});

/** Nothing the console answers is kept by a browser or a proxy: its pages and data show PHI. */
export const consoleHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.req.path.startsWith("/console/assets/")) return;
  c.res.headers.set("Cache-Control", "no-store");
  c.res.headers.set("Pragma", "no-cache");
  c.res.headers.set("X-Content-Type-Options", "nosniff");
  c.res.headers.set("X-Frame-Options", "DENY");
  c.res.headers.set("Referrer-Policy", "no-referrer");
});
