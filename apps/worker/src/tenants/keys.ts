import { and, eq, isNotNull, isNull } from "drizzle-orm";
import { tables, type ApiKey, type ApiKeySurface } from "@switchboard/schemas";
import { auditQueries, type AuditScope } from "../audit/record";
import { generateApiKey, sha256Hex } from "../lib/crypto";
import type { Db } from "../lib/db";
import { iso } from "../lib/time";

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

/** Issues a key for the scope's tenant, recorded (`api_key.issued`) in the same batch. The plain key is returned once. */
export async function issueApiKey(db: Db, scope: AuditScope, name: string | null, surface: ApiKeySurface | null = null) {
  const { row, apiKey } = await newApiKey(scope.tenantId, name, surface);
  await db.batch([db.insert(tables.apiKeys).values(row), ...auditQueries(db, scope, "api_key.issued", row.id, surface ? { surface } : undefined)]);
  return { ...row, apiKey };
}

/**
 * Revokes one of the scope's tenant's keys (refused at once from then on), recorded in the same
 * batch when it was still active. `surfaceKeysOnly`: only keys limited to a surface (what a tenant
 * may revoke itself). The key as it now stands; undefined when there is no such key.
 */
export async function revokeApiKey(db: Db, scope: AuditScope, keyId: string, surfaceKeysOnly = false): Promise<ApiKeyRow | undefined> {
  const { apiKeys } = tables;
  const where = and(eq(apiKeys.id, keyId), eq(apiKeys.tenantId, scope.tenantId), surfaceKeysOnly ? isNotNull(apiKeys.surface) : undefined);
  const [, [row]] = await db.batch([
    db.update(apiKeys).set({ revokedAt: Date.now() }).where(and(where, isNull(apiKeys.revokedAt))),
    db.select().from(apiKeys).where(where),
    // After the select, so `changes()` still counts the update's rows.
    ...auditQueries(db, scope, "api_key.revoked", keyId, undefined, { onlyIfChanged: true }),
  ]);
  return row as ApiKeyRow | undefined;
}
