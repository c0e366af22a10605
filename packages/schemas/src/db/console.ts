import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { apiKeys, tenants } from "./schema";

/**
 * Signed-in sessions of the operator console (the worker's /console). The browser holds a random
 * session id in an HttpOnly cookie; only its SHA-256 is stored. A tenant session lives while its
 * API key does (revoking the key ends it); an operator session while the ADMIN_TOKEN it was opened
 * with is still the deployment's (rotating the token ends it). Sign-out sets `revokedAt`.
 */
export const consoleSessions = sqliteTable(
  "console_sessions",
  {
    idHash: text("id_hash").primaryKey(),
    /** `tenant` (signed in with an API key) or `operator` (the ADMIN_TOKEN). */
    kind: text("kind").$type<"tenant" | "operator">().notNull(),
    tenantId: text("tenant_id").references(() => tenants.id),
    apiKeyId: text("api_key_id").references(() => apiKeys.id),
    /** SHA-256 of the ADMIN_TOKEN an operator session was opened with. */
    adminTokenHash: text("admin_token_hash"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [
    // sign-in sweeps expired sessions
    index("console_sessions_expires_idx").on(t.expiresAt),
  ],
);
