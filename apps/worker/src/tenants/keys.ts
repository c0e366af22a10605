import { tables } from "@switchboard/schemas";
import { generateApiKey, sha256Hex } from "../lib/crypto";
import type { Db } from "../lib/db";

/** Creates a key for a tenant. The plain key is returned once; only its hash is stored. */
export async function issueApiKey(db: Db, tenantId: string, name: string | null) {
  const apiKey = generateApiKey();
  const row = {
    id: crypto.randomUUID(),
    tenantId,
    keyHash: await sha256Hex(apiKey),
    prefix: apiKey.slice(0, 8),
    name,
    createdAt: Date.now(),
    revokedAt: null,
  };
  await db.insert(tables.apiKeys).values(row);
  return { ...row, apiKey };
}
