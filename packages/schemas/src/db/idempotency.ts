import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Idempotency-Key claims and the responses they replay. A row is `running` while its first request
 * runs (claimed atomically by an upsert), `committed` once the calls it placed are in D1 (set in the
 * same batch that creates them, with `batchId`), and `done` once the response is stored; it lives 24 h.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    tenantId: text("tenant_id").notNull(),
    key: text("idempotency_key").notNull(),
    /** SHA-256 of method, path and canonical body: the same key with another request is a 422. */
    fingerprint: text("fingerprint").notNull(),
    /** `running`, `committed` or `done`. */
    state: text("state").notNull(),
    /**
     * The batch of calls the request placed, written in the batch that creates them: from then on a
     * retry rebuilds the answer from this batch and never places anything again, whatever became of
     * the first response.
     */
    batchId: text("batch_id"),
    /** Random per claim, so a request only finishes or releases its own claim. */
    claimToken: text("claim_token").notNull(),
    /** A `running` claim older than this was abandoned (its worker died) and may be taken over. */
    lockedUntil: integer("locked_until").notNull(),
    responseStatus: integer("response_status"),
    responseHeaders: text("response_headers", { mode: "json" }).$type<Record<string, string>>(),
    responseBody: text("response_body"),
    /** `identity`, or `gzip-base64` for large bodies (D1 rows stop at 2 MB). */
    responseEncoding: text("response_encoding"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.key] }),
    // purge of expired keys, per tenant
    index("idempotency_keys_expires_idx").on(t.tenantId, t.expiresAt),
  ],
);
