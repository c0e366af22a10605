import { open, seal } from "../lib/secret-box";

/** How long a key and its response are kept. */
export const KEY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A `running` claim this old is taken to be abandoned (its worker died mid-request) and may be
 * claimed again; long enough for the biggest batch of calls to be placed.
 */
export const RUNNING_LEASE_MS = 5 * 60 * 1000;
/** Bodies above this are gzipped before sealing; D1 rows stop at 2 MB. */
const COMPRESS_ABOVE = 32 * 1024;
const MAX_STORED_CHARS = 1_800_000;

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  /** null when the response was too large to keep. */
  body: string | null;
}

export type Claim =
  | { kind: "claimed"; token: string }
  | { kind: "mismatch" }
  | { kind: "in_progress" }
  | { kind: "replay"; response: StoredResponse };

interface KeyRow {
  fingerprint: string;
  state: string;
  response_status: number | null;
  response_headers: string | null;
  response_body: string | null;
  response_encoding: string | null;
}

/**
 * Claims `key` for this request, atomically: one upsert decides the winner among any number of
 * concurrent requests (D1 runs statements one at a time). The loser learns whether the winner's
 * request differs (422), is still running (409) or finished (replay its response).
 */
export async function claimKey(db: D1Database, secretsKey: string, tenantId: string, key: string, fingerprint: string, now: number): Promise<Claim> {
  const token = crypto.randomUUID();
  const [, claimed] = await db.batch<{ claim_token: string }>([
    db.prepare(`DELETE FROM idempotency_keys WHERE tenant_id = ? AND expires_at <= ?`).bind(tenantId, now),
    db
      .prepare(
        `INSERT INTO idempotency_keys (tenant_id, idempotency_key, fingerprint, state, claim_token, locked_until, created_at, expires_at)
         VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6, ?7)
         ON CONFLICT (tenant_id, idempotency_key) DO UPDATE SET
           state = 'running', claim_token = excluded.claim_token, locked_until = excluded.locked_until
         WHERE idempotency_keys.state = 'running' AND idempotency_keys.locked_until <= ?6
           AND idempotency_keys.fingerprint = excluded.fingerprint
         RETURNING claim_token`,
      )
      .bind(tenantId, key, fingerprint, token, now + RUNNING_LEASE_MS, now, now + KEY_TTL_MS),
  ]);
  if (claimed?.results[0]?.claim_token === token) return { kind: "claimed", token };

  const row = await db
    .prepare(
      `SELECT fingerprint, state, response_status, response_headers, response_body, response_encoding
         FROM idempotency_keys WHERE tenant_id = ? AND idempotency_key = ?`,
    )
    .bind(tenantId, key)
    .first<KeyRow>();
  // Gone between the two statements (expired and purged): a rare race; ask the client to retry.
  if (!row) return { kind: "in_progress" };
  if (row.fingerprint !== fingerprint) return { kind: "mismatch" };
  if (row.state !== "done" || row.response_status === null) return { kind: "in_progress" };
  return {
    kind: "replay",
    response: {
      status: row.response_status,
      headers: row.response_headers ? (JSON.parse(row.response_headers) as Record<string, string>) : {},
      body: await decodeBody(row, secretsKey, sealContext(tenantId, key)),
    },
  };
}

/** Stores the first response; only the request holding the claim can. */
export async function completeKey(db: D1Database, secretsKey: string, tenantId: string, key: string, token: string, response: StoredResponse) {
  const { body, encoding } = await encodeBody(response.body ?? "", secretsKey, sealContext(tenantId, key));
  await db
    .prepare(
      `UPDATE idempotency_keys SET state = 'done', response_status = ?, response_headers = ?, response_body = ?, response_encoding = ?
       WHERE tenant_id = ? AND idempotency_key = ? AND claim_token = ?`,
    )
    .bind(response.status, JSON.stringify(response.headers), body, encoding, tenantId, key, token)
    .run();
}

/** Lets the key be used again (the request failed in a way that may be retried). */
export async function releaseKey(db: D1Database, tenantId: string, key: string, token: string) {
  await db.prepare(`DELETE FROM idempotency_keys WHERE tenant_id = ? AND idempotency_key = ? AND claim_token = ?`).bind(tenantId, key, token).run();
}

// Responses can hold PHI and shown-once secrets (a webhook endpoint's signing secret): sealed at rest.
const sealContext = (tenantId: string, key: string) => `idempotency:${tenantId}:${key}`;

async function encodeBody(text: string, secretsKey: string, context: string): Promise<{ body: string | null; encoding: string }> {
  const compressed = text.length > COMPRESS_ABOVE;
  const sealed = await seal(compressed ? await gzipBase64(text) : text, secretsKey, context);
  if (sealed.length > MAX_STORED_CHARS) return { body: null, encoding: "omitted" };
  return { body: sealed, encoding: compressed ? "sealed-gzip" : "sealed" };
}

async function decodeBody(row: KeyRow, secretsKey: string, context: string): Promise<string | null> {
  if (row.response_body === null || row.response_encoding === "omitted") return null;
  const plain = await open(row.response_body, secretsKey, context);
  return row.response_encoding === "sealed-gzip" ? gunzipBase64(plain) : plain;
}

async function gzipBase64(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function gunzipBase64(b64: string): Promise<string> {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
}
