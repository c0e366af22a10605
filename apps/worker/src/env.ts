import type { CallObjectRpc, TenantDispatcherRpc, WebhookSenderRpc } from "./objects/contracts";

/** Bindings and vars of the API worker. Durable Objects are typed by their RPC contracts (objects/contracts.ts), not their classes. */
export interface Env {
  /** Shard 0: the tenant directory, every tenant and API key, and the data of tenants placed here (shards/directory.ts). */
  DB: D1Database;
  /** Shard 1 (and `DB_2`, … for more): data of the tenants the directory places there. */
  DB_1?: D1Database;
  /** Shards new tenants are placed on, comma-separated (the least loaded is chosen); default `0`. */
  NEW_TENANT_SHARDS?: string;
  CALLS: DurableObjectNamespace<CallObjectRpc>;
  /** One sender per customer webhook endpoint (keyed by endpoint id). */
  WEBHOOKS: DurableObjectNamespace<WebhookSenderRpc>;
  /** One per tenant (by tenant id): its queue of calls and its lines. */
  DISPATCHERS: DurableObjectNamespace<TenantDispatcherRpc>;
  /** Operator token for /admin. A secret in production; `dev-admin-token` from .dev.vars locally. */
  ADMIN_TOKEN?: string;
  /** `production`, `development` or `test`. */
  ENVIRONMENT?: string;
  /** 32 random bytes, base64: seals secrets at rest (lib/secret-box.ts). A secret in production. */
  SECRETS_KEY?: string;
  /** Legal calling hours, local to the patient, as `HH:MM-HH:MM`; tenants may only narrow them. Default 08:00-21:00. */
  CALLING_HOURS?: string;
  /** Simulator end-to-end duration when an agent sets none (ms). */
  SIMULATOR_DURATION_MS?: string;
  /** Message attachments (R2). */
  FILES: R2Bucket;
  /** Signs expiring links to attachments (messages/file-links.ts). At least 32 characters; a secret in production. */
  FILES_SIGNING_KEY?: string;
  /** This deployment's public origin (e.g. https://switchboard.example.com), for links and webhooks given to vendors. Defaults to the request's origin. */
  PUBLIC_BASE_URL?: string;
  /** Per-attempt timeout of a webhook delivery (ms); 15 s when unset. */
  WEBHOOK_ATTEMPT_TIMEOUT_MS?: string;
}
