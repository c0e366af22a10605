import { shardDatabases } from "../shards/directory";
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { VendorCredentials } from "@switchboard/providers";
import { PROVIDER_OPTIONS, tables, type ProviderCredentials, type ProviderCredentialsInput, type VendorName } from "@switchboard/schemas";
import type { Env } from "../env";
import { DomainError } from "../errors";
import { base64Url, sha256Hex } from "../lib/crypto";
import { createDb, type Db } from "../lib/db";
import { toE164 } from "../lib/phone";
import { open, seal } from "../lib/secret-box";
import { iso } from "../lib/time";
import { describeIssues } from "../lib/issues";

export type CredentialRow = typeof tables.providerCredentials.$inferSelect;

/** What each vendor cannot work without, beyond the API key. */
const REQUIRED: Record<VendorName, ("apiSecret" | "baseUrl" | "fromNumber")[]> = {
  retell: ["fromNumber"],
  livekit: ["apiSecret", "baseUrl"],
  vocode: ["fromNumber"],
  voipbin: ["apiSecret", "fromNumber"],
};

function secretsKey(env: Env): string {
  if (!env.SECRETS_KEY) throw new DomainError("SECRETS_UNAVAILABLE", "Vendor credentials are unavailable: this deployment has no SECRETS_KEY");
  return env.SECRETS_KEY;
}

/** The additional data a sealed field is bound to: this row's field, for this tenant and vendor. */
function sealContext(row: { id: string; tenantId: string; provider: string }, field: string): string {
  return `provider_credentials:${row.id}:${row.tenantId}:${row.provider}:${field}`;
}

/** The last few characters, enough to tell keys apart; short secrets show nothing. */
function hint(secret: string): string {
  return secret.length >= 12 ? `••••${secret.slice(-4)}` : "••••";
}

/** Checks the input against what the vendor needs; the normalized from number and options. */
export function validateCredentials(provider: VendorName, input: ProviderCredentialsInput) {
  const missing = REQUIRED[provider].filter((field) => !input[field]);
  if (missing.length) throw new DomainError("INVALID_INPUT", `Validation failed: ${missing.map((f) => `${f}: required for ${provider}`).join("; ")}`);
  const options = PROVIDER_OPTIONS[provider].safeParse(input.options ?? {});
  if (!options.success) {
    throw new DomainError("INVALID_INPUT", `Validation failed: ${describeIssues(options.error.issues.map((i) => ({ ...i, path: ["options", ...i.path] })))}`);
  }
  if (input.baseUrl && provider !== "livekit" && !/^https?:/i.test(input.baseUrl)) {
    throw new DomainError("INVALID_INPUT", "Validation failed: baseUrl: must be an http(s) URL");
  }
  let fromNumber: string | null = null;
  if (input.fromNumber) {
    fromNumber = toE164(input.fromNumber);
    if (!fromNumber) throw new DomainError("INVALID_INPUT", "Validation failed: fromNumber: must be a phone number (E.164, e.g. +15555550100)");
  }
  return { fromNumber, options: options.data as Record<string, unknown> };
}

export async function getCredentialRow(db: Db, tenantId: string, provider: string): Promise<CredentialRow | undefined> {
  const t = tables.providerCredentials;
  return db.select().from(t).where(and(eq(t.tenantId, tenantId), eq(t.provider, provider))).get();
}

/**
 * Stores (or replaces) a tenant's credentials. The webhook URL survives a replace: it is pasted in
 * the vendor's console. `alongside` (e.g. the audit row) is written in the same atomic batch.
 */
export async function putCredentials(
  env: Env,
  db: Db,
  tenantId: string,
  provider: VendorName,
  input: ProviderCredentialsInput,
  alongside: BatchItem<"sqlite">[] = [],
): Promise<CredentialRow> {
  const key = secretsKey(env);
  const { fromNumber, options } = validateCredentials(provider, input);
  const existing = await getCredentialRow(db, tenantId, provider);
  const now = Date.now();
  const id = existing?.id ?? crypto.randomUUID();
  const where = { id, tenantId, provider };
  let webhookTokenSealed = existing?.webhookTokenSealed;
  let webhookTokenHash = existing?.webhookTokenHash;
  if (!webhookTokenSealed || !webhookTokenHash) {
    const token = `whk_${base64Url(crypto.getRandomValues(new Uint8Array(24)))}`;
    webhookTokenHash = await sha256Hex(token);
    webhookTokenSealed = await seal(token, key, sealContext(where, "webhookToken"));
  }
  const values = {
    apiKeySealed: await seal(input.apiKey, key, sealContext(where, "apiKey")),
    apiKeyHint: hint(input.apiKey),
    apiSecretSealed: input.apiSecret ? await seal(input.apiSecret, key, sealContext(where, "apiSecret")) : null,
    apiSecretHint: input.apiSecret ? hint(input.apiSecret) : null,
    baseUrl: input.baseUrl ?? null,
    fromNumber,
    options,
    updatedAt: now,
  };
  const t = tables.providerCredentials;
  const [[row]] = await db.batch([
    db
      .insert(t)
      .values({ id, tenantId, provider, ...values, webhookTokenHash, webhookTokenSealed, createdAt: now })
      .onConflictDoUpdate({ target: [t.tenantId, t.provider], set: values })
      .returning(),
    ...alongside,
  ]);
  return row!;
}

/** Removes a tenant's credentials; `alongside` (e.g. the audit row, only if something was removed) goes in the same batch. */
export async function deleteCredentials(db: Db, tenantId: string, provider: string, alongside: BatchItem<"sqlite">[] = []): Promise<boolean> {
  const t = tables.providerCredentials;
  const [gone] = await db.batch([db.delete(t).where(and(eq(t.tenantId, tenantId), eq(t.provider, provider))).returning({ id: t.id }), ...alongside]);
  return gone.length > 0;
}

/** The credentials as an adapter takes them. Runs where vendors are called, never for GET. */
export async function openCredentials(env: Env, row: CredentialRow): Promise<VendorCredentials> {
  const key = secretsKey(env);
  return {
    apiKey: await open(row.apiKeySealed, key, sealContext(row, "apiKey")),
    apiSecret: row.apiSecretSealed ? await open(row.apiSecretSealed, key, sealContext(row, "apiSecret")) : null,
    baseUrl: row.baseUrl,
    fromNumber: row.fromNumber,
    options: row.options,
  };
}

export async function webhookUrl(env: Env, row: CredentialRow, origin: string): Promise<string> {
  const token = await open(row.webhookTokenSealed, secretsKey(env), sealContext(row, "webhookToken"));
  return `${origin}/webhooks/${row.provider}/${token}`;
}

/** The row whose webhook URL carries this token. */
export async function findByWebhookToken(db: Db, token: string): Promise<CredentialRow | undefined> {
  const t = tables.providerCredentials;
  return db.select().from(t).where(eq(t.webhookTokenHash, await sha256Hex(token))).get();
}

/** The credentials a webhook URL's token names, on whichever shard holds its tenant (every shard is asked at once). */
export async function findByWebhookTokenOnAnyShard(env: Env, token: string): Promise<CredentialRow | undefined> {
  const found = await Promise.all(shardDatabases(env).map((d1) => findByWebhookToken(createDb(d1), token)));
  return found.find((row) => row !== undefined);
}

export async function credentialsToWire(env: Env, row: CredentialRow, origin: string): Promise<ProviderCredentials> {
  return {
    provider: row.provider as VendorName,
    apiKey: row.apiKeyHint,
    apiSecret: row.apiSecretHint,
    baseUrl: row.baseUrl,
    fromNumber: row.fromNumber,
    options: row.options,
    webhookUrl: await webhookUrl(env, row, origin),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
