import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { tables, type ApiKey, type ApiKeySurface } from "@switchboard/schemas";
import { auditQueries, type AuditScope } from "../audit/record";
import { generateApiKey, sha256Hex } from "../lib/crypto";
import type { Db } from "../lib/db";
import { iso } from "../lib/time";
import { forgetApiKey } from "./key-cache";

export type ApiKeyRow = typeof tables.apiKeys.$inferSelect;

/** A key as the API shows it: never its hash. */
export function apiKeyToWire(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    prefix: row.prefix,
    surface: (row.surface as ApiKeySurface | null) ?? null,
    createdAt: iso(row.createdAt),
    revokedAt: iso(row.revokedAt),
  };
}

/** A new key for a tenant, not yet stored: the plain key (shown once) and the row that keeps only its hash. */
export async function newApiKey(tenantId: string, name: string | null, surface: ApiKeySurface | null = null) {
  const apiKey = generateApiKey();
  const row: ApiKeyRow = {
    id: crypto.randomUUID(),
    tenantId,
    keyHash: await sha256Hex(apiKey),
    prefix: apiKey.slice(0, 8),
    name,
    surface,
    createdAt: Date.now(),
    revokedAt: null,
  };
  return { row, apiKey };
}

/**
 * Where a key's change goes: the key on the control plane (shard 0, `keys`), its audit row on the
 * tenant's own shard (`scope.db`) with the rest of its trail. One database (every tenant of a
 * single-shard deployment): one batch, all or nothing. Two: the audit row follows the change.
 */
export type KeyScope = AuditScope & { db: Db };

function sameDatabase(a: Db, b: Db) {
  return a.$client === b.$client;
}

/** Issues a key for the scope's tenant, recorded (`api_key.issued`). The plain key is returned once. */
export async function issueApiKey(keys: Db, scope: KeyScope, name: string | null, surface: ApiKeySurface | null = null) {
  const { row, apiKey } = await newApiKey(scope.tenantId, name, surface);
  const audit = (db: Db) => auditQueries(db, scope, "api_key.issued", row.id, surface ? { surface } : undefined);
  if (sameDatabase(keys, scope.db)) {
    await keys.batch([keys.insert(tables.apiKeys).values(row), ...audit(keys)]);
  } else {
    await keys.insert(tables.apiKeys).values(row);
    await scope.db.batch(audit(scope.db) as [BatchItem<"sqlite">]);
  }
  return { ...row, apiKey };
}

/**
 * Revokes one of the scope's tenant's keys, recorded when it was still active. This isolate refuses
 * it at once, every other one within `API_KEY_CACHE_TTL_MS` (key-cache.ts). `surfaceKeysOnly`: only
 * keys limited to a surface (what a tenant may revoke itself). The key as it now stands; undefined
 * when there is no such key.
 */
export async function revokeApiKey(keys: Db, scope: KeyScope, keyId: string, surfaceKeysOnly = false): Promise<ApiKeyRow | undefined> {
  const { apiKeys } = tables;
  const where = and(eq(apiKeys.id, keyId), eq(apiKeys.tenantId, scope.tenantId), surfaceKeysOnly ? isNotNull(apiKeys.surface) : undefined);
  const revoke = keys.update(apiKeys).set({ revokedAt: Date.now() }).where(and(where, isNull(apiKeys.revokedAt))).returning({ id: apiKeys.id });
  const read = keys.select().from(apiKeys).where(where);
  if (sameDatabase(keys, scope.db)) {
    const [, [row]] = await keys.batch([
      revoke,
      read,
      // After the select, so `changes()` still counts the update's rows.
      ...auditQueries(keys, scope, "api_key.revoked", keyId, undefined, { onlyIfChanged: true }),
    ]);
    if (row) forgetApiKey(row.keyHash);
    return row as ApiKeyRow | undefined;
  }
  const [revoked, [row]] = await keys.batch([revoke, read]);
  if (row) forgetApiKey(row.keyHash);
  if (revoked.length) await scope.db.batch(auditQueries(scope.db, scope, "api_key.revoked", keyId) as [BatchItem<"sqlite">]);
  return row as ApiKeyRow | undefined;
}
