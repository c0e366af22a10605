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
  /** Ours to run. `batchId` is set when an earlier request with the key already placed its calls: answer from that batch, place nothing. */
  | { kind: "claimed"; token: string; batchId: string | null }
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
 *
 * A claim whose request died (its lease ran out, or it answered 5xx and let go) may be taken over.
 * Its state is kept: a key whose calls were committed (`committed`, with the batch) stays so, and
 * the new holder answers from that batch instead of placing anything.
 */
export async function claimKey(db: D1Database, secretsKey: string, tenantId: string, key: string, fingerprint: string, now: number): Promise<Claim> {
  const token = crypto.randomUUID();
  const [, claimed] = await db.batch<{ claim_token: string; batch_id: string | null }>([
    db.prepare(`DELETE FROM idempotency_keys WHERE tenant_id = ? AND expires_at <= ?`).bind(tenantId, now),
    db
      .prepare(
        `INSERT INTO idempotency_keys (tenant_id, idempotency_key, fingerprint, state, claim_token, locked_until, created_at, expires_at)
         VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6, ?7)
         ON CONFLICT (tenant_id, idempotency_key) DO UPDATE SET
           claim_token = excluded.claim_token, locked_until = excluded.locked_until
         WHERE idempotency_keys.state IN ('running', 'committed') AND idempotency_keys.locked_until <= ?6
           AND idempotency_keys.fingerprint = excluded.fingerprint
         RETURNING claim_token, batch_id`,
      )
      .bind(tenantId, key, fingerprint, token, now + RUNNING_LEASE_MS, now, now + KEY_TTL_MS),
  ]);
  const row = claimed?.results[0];
  if (row?.claim_token === token) return { kind: "claimed", token, batchId: row.batch_id ?? null };

  const stored = await db
    .prepare(
      `SELECT fingerprint, state, response_status, response_headers, response_body, response_encoding
         FROM idempotency_keys WHERE tenant_id = ? AND idempotency_key = ?`,
    )
    .bind(tenantId, key)
    .first<KeyRow>();
  // Gone between the two statements (expired and purged): a rare race; ask the client to retry.
  if (!stored) return { kind: "in_progress" };
  if (stored.fingerprint !== fingerprint) return { kind: "mismatch" };
  if (stored.state !== "done" || stored.response_status === null) return { kind: "in_progress" };
  return {
    kind: "replay",
    response: {
      status: stored.response_status,
      headers: stored.response_headers ? (JSON.parse(stored.response_headers) as Record<string, string>) : {},
      body: await decodeBody(stored, secretsKey, sealContext(tenantId, key)),
    },
  };
}

/** A request's hold on its key, as the use case that places calls sees it. */
export interface KeyClaim {
  tenantId: string;
  key: string;
  token: string;
}

/**
 * Statements that record a key's outcome (the batch it placed), for the very D1 batch that creates
 * the calls: once that batch has committed, the key can never place them again. The first
 * statement aborts the whole batch when the claim is no longer this request's (its lease ran out
 * and a retry took the key over), so two holders can never both commit: `json()` of text that is
 * not JSON raises an error, and an error anywhere rolls a D1 batch back.
 */
export function commitKeyStatements(db: D1Database, claim: KeyClaim, batchId: string): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `SELECT json(CASE WHEN EXISTS (
           SELECT 1 FROM idempotency_keys WHERE tenant_id = ?1 AND idempotency_key = ?2 AND claim_token = ?3 AND state = 'running'
         ) THEN '{}' ELSE 'idempotency claim lost' END) AS claim_held`,
      )
      .bind(claim.tenantId, claim.key, claim.token),
    db
      .prepare(`UPDATE idempotency_keys SET state = 'committed', batch_id = ?4 WHERE tenant_id = ?1 AND idempotency_key = ?2 AND claim_token = ?3`)
      .bind(claim.tenantId, claim.key, claim.token, batchId),
  ];
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

/**
 * Lets a retry have the key (the request failed in a way that may be retried): a key that placed
 * nothing is forgotten; a key whose calls were committed is only unlocked, so the retry answers
 * from its batch at once instead of waiting out the lease.
 */
export async function releaseKey(db: D1Database, tenantId: string, key: string, token: string) {
  await db.batch([
    db.prepare(`DELETE FROM idempotency_keys WHERE tenant_id = ? AND idempotency_key = ? AND claim_token = ? AND state = 'running'`).bind(tenantId, key, token),
    db
      .prepare(`UPDATE idempotency_keys SET locked_until = 0 WHERE tenant_id = ? AND idempotency_key = ? AND claim_token = ? AND state = 'committed'`)
      .bind(tenantId, key, token),
  ]);
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
