import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { tenants } from "./schema";

/**
 * A tenant's account on a voice vendor. Secrets are sealed (AES-GCM, see the worker's secret-box)
 * with the row as additional data; the hints are the last characters, for people telling keys
 * apart. `webhookToken` is the last segment of the tenant's webhook URL for this vendor: its hash
 * finds the row, its sealed copy lets us show the URL again.
 */
export const providerCredentials = sqliteTable(
  "provider_credentials",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    /** retell | livekit | vocode | voipbin */
    provider: text("provider").notNull(),
    apiKeySealed: text("api_key_sealed").notNull(),
    apiKeyHint: text("api_key_hint").notNull(),
    apiSecretSealed: text("api_secret_sealed"),
    apiSecretHint: text("api_secret_hint"),
    baseUrl: text("base_url"),
    /** E.164 */
    fromNumber: text("from_number"),
    /** Vendor-specific, non-secret settings (LiveKit's SIP trunk id, timeouts, ...). */
    options: text("options", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    webhookTokenHash: text("webhook_token_hash").notNull(),
    webhookTokenSealed: text("webhook_token_sealed").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // one account per vendor per tenant; every call placement reads it
    uniqueIndex("provider_credentials_tenant_provider_idx").on(t.tenantId, t.provider),
    // every inbound webhook finds its tenant by the URL's token
    uniqueIndex("provider_credentials_webhook_idx").on(t.webhookTokenHash),
  ],
);

/**
 * Verified vendor webhooks that matched no call of the tenant (a call placed elsewhere, or an event
 * that beat our own record of the vendor's call id). Kept for people to inspect; never applied.
 */
export const providerWebhookOrphans = sqliteTable(
  "provider_webhook_orphans",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    provider: text("provider").notNull(),
    eventType: text("event_type").notNull(),
    /** Our call id when the event named one. */
    callId: text("call_id"),
    providerCallId: text("provider_call_id"),
    /** The raw body, truncated; it can hold PHI, so it is served only to the tenant. */
    payload: text("payload").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    // the tenant's newest-first listing
    index("provider_webhook_orphans_tenant_idx").on(t.tenantId, t.provider, t.receivedAt),
  ],
);
