import { z } from "zod";
import { recordAudit } from "../../audit/record";
import { iso } from "../../lib/time";
import { closeSession, openSession, type ConsoleSession } from "../../tenants/console-sessions";
import type { AppEnv } from "../context";
import { HttpError } from "../errors";
import { tenantScopeOf } from "../middleware/tenant-shard";
import { clearSessionCookie, currentSession, sessionId, setSessionCookie } from "./auth";
import type { Context, Hono } from "hono";

const credential = z.string().trim().min(1).max(500);
const SignInBody = z.union([z.strictObject({ apiKey: credential }), z.strictObject({ adminToken: credential })]);
const SIGN_IN_SHAPE = "Send { apiKey } (a clinic's API key) or { adminToken } (the operator's token), one of them, non-empty";

function toWire(session: ConsoleSession) {
  return session.kind === "tenant"
    ? { kind: "tenant" as const, tenant: { id: session.tenantId, name: session.tenantName }, expiresAt: iso(session.expiresAt) }
    : { kind: "operator" as const, tenant: null, expiresAt: iso(session.expiresAt) };
}

async function audit(c: Context<AppEnv>, session: ConsoleSession, action: "api_key.console_signed_in" | "api_key.console_signed_out") {
  if (session.kind !== "tenant") return;
  // In the tenant's own trail, on its shard.
  const scope = await tenantScopeOf(c, session.tenantId);
  return recordAudit({ ...scope, actor: { type: "api_key", id: session.apiKeyId } }, action, session.apiKeyId);
}

/** Sign-in (an API key or the admin token for a session cookie), who is signed in, sign-out. */
export function registerSessionRoutes(app: Hono<AppEnv>) {
  app.post("/session", async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new HttpError(400, "The body must be JSON: { apiKey } or { adminToken }");
    }
    const parsed = SignInBody.safeParse(body);
    if (!parsed.success) throw new HttpError(400, SIGN_IN_SHAPE);
    // Signing in again replaces the browser's session: the one its cookie named ends now.
    const previous = sessionId(c);
    if (previous) await closeSession(c.env.DB, previous);
    const opened = await openSession(c.env.DB, c.env.ADMIN_TOKEN, parsed.data);
    if (!opened) throw new HttpError(401, "apiKey" in parsed.data ? "That API key is not valid (or was revoked)" : "That admin token is not valid");
    setSessionCookie(c, opened.id);
    await audit(c, opened.session, "api_key.console_signed_in");
    return c.json(toWire(opened.session), 201);
  });

  app.get("/session", async (c) => {
    const session = await currentSession(c);
    if (!session) throw new HttpError(401, "Not signed in");
    return c.json(toWire(session), 200);
  });

  app.delete("/session", async (c) => {
    const id = sessionId(c);
    const session = await currentSession(c);
    if (id) await closeSession(c.env.DB, id);
    clearSessionCookie(c);
    if (session) await audit(c, session, "api_key.console_signed_out");
    return c.json({ signedOut: true }, 200);
  });
}
