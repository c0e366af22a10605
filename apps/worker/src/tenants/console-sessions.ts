import { base64Url, secretsEqual, sha256Hex } from "../lib/crypto";
import type { Placement } from "../shards/directory";

/** How long a console session lasts from sign-in, whatever happens in it. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export type ConsoleSession =
  | {
      kind: "tenant";
      tenantId: string;
      tenantName: string;
      apiKeyId: string;
      expiresAt: number;
      /** The tenant's own rate limits (null: the deployment's), for the rate limiter the session passes as its key would. */
      limits: { requestsPerSecond: number | null; requestBurst: number | null; callsPerMinute: number | null; maxWebhookEndpoints: number | null };
      /** Where the tenant's data is (shards/directory.ts), read with the session. */
      placement: Placement;
    }
  | { kind: "operator"; expiresAt: number };

export type SignIn = { apiKey: string } | { adminToken: string };

interface SessionRow {
  kind: "tenant" | "operator";
  tenant_id: string | null;
  tenant_name: string | null;
  api_key_id: string | null;
  key_revoked_at: number | null;
  admin_token_hash: string | null;
  expires_at: number;
  revoked_at: number | null;
  requests_per_second: number | null;
  request_burst: number | null;
  calls_per_minute: number | null;
  max_webhook_endpoints: number | null;
  shard: number | null;
  writes_held_at: number | null;
}

/**
 * Opens a session for a tenant's API key or the operator's ADMIN_TOKEN: null when the credential
 * is not (or no longer) valid. Returns the session id for the cookie; only its SHA-256 is stored.
 */
export async function openSession(
  db: D1Database,
  adminToken: string | undefined,
  credential: SignIn,
  now = Date.now(),
): Promise<{ id: string; session: ConsoleSession } | null> {
  const id = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const expiresAt = now + SESSION_TTL_MS;
  const insert = "INSERT INTO console_sessions (id_hash, kind, tenant_id, api_key_id, admin_token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
  // Sessions past their time are of no use to anyone: each sign-in clears them out.
  const sweep = db.prepare("DELETE FROM console_sessions WHERE expires_at < ?").bind(now);
  if ("apiKey" in credential) {
    const key = await db
      .prepare("SELECT k.id, k.tenant_id, t.name FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.key_hash = ? AND k.revoked_at IS NULL AND k.surface IS NULL")
      .bind(await sha256Hex(credential.apiKey))
      .first<{ id: string; tenant_id: string; name: string }>();
    if (!key) return null;
    await db.batch([sweep, db.prepare(insert).bind(await sha256Hex(id), "tenant", key.tenant_id, key.id, null, now, expiresAt)]);
    const session = await findSession(db, adminToken, id, now);
    if (!session) throw new Error("a console session vanished as it was opened");
    return { id, session };
  }
  if (!adminToken || !(await secretsEqual(credential.adminToken, adminToken))) return null;
  await db.batch([sweep, db.prepare(insert).bind(await sha256Hex(id), "operator", null, null, await sha256Hex(adminToken), now, expiresAt)]);
  return { id, session: { kind: "operator", expiresAt } };
}

/**
 * The live session with this id, or null: signed out, expired, its API key revoked, or (for the
 * operator) opened with an ADMIN_TOKEN that is no longer the deployment's.
 */
export async function findSession(db: D1Database, adminToken: string | undefined, id: string, now = Date.now()): Promise<ConsoleSession | null> {
  const row = await db
    .prepare(
      `SELECT s.kind, s.tenant_id, t.name AS tenant_name, s.api_key_id, k.revoked_at AS key_revoked_at, s.admin_token_hash, s.expires_at, s.revoked_at,
              t.requests_per_second, t.request_burst, t.calls_per_minute, t.max_webhook_endpoints, d.shard, d.writes_held_at
       FROM console_sessions s
       LEFT JOIN api_keys k ON k.id = s.api_key_id
       LEFT JOIN tenants t ON t.id = s.tenant_id
       LEFT JOIN tenant_shards d ON d.tenant_id = s.tenant_id
       WHERE s.id_hash = ?`,
    )
    .bind(await sha256Hex(id))
    .first<SessionRow>();
  if (!row || row.revoked_at !== null || row.expires_at <= now) return null;
  if (row.kind === "tenant") {
    if (!row.tenant_id || !row.api_key_id || row.key_revoked_at !== null) return null;
    return {
      kind: "tenant",
      tenantId: row.tenant_id,
      tenantName: row.tenant_name ?? "",
      apiKeyId: row.api_key_id,
      expiresAt: row.expires_at,
      limits: {
        requestsPerSecond: row.requests_per_second,
        requestBurst: row.request_burst,
        callsPerMinute: row.calls_per_minute,
        maxWebhookEndpoints: row.max_webhook_endpoints,
      },
      placement: { shard: row.shard ?? 0, writesHeld: row.writes_held_at !== null },
    };
  }
  if (!adminToken || !row.admin_token_hash || !(await secretsEqual(row.admin_token_hash, await sha256Hex(adminToken)))) return null;
  return { kind: "operator", expiresAt: row.expires_at };
}

/** Signs a session out; true when it was live. */
export async function closeSession(db: D1Database, id: string, now = Date.now()): Promise<boolean> {
  const result = await db
    .prepare("UPDATE console_sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL")
    .bind(now, await sha256Hex(id))
    .run();
  return result.meta.changes > 0;
}
