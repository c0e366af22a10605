import type { CallObjectRpc, TenantDispatcherRpc, TenantLimiterRpc, WebhookSenderRpc } from "./objects/contracts";

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
  /** One per tenant (by tenant id): its rate limits, shared by every surface. */
  LIMITERS: DurableObjectNamespace<TenantLimiterRpc>;
  /** Operator token for /admin. A secret in production; `dev-admin-token` from .dev.vars locally. */
  ADMIN_TOKEN?: string;
  /** `production`, `development` or `test`. */
  ENVIRONMENT?: string;
  /** 32 random bytes, base64: seals secrets at rest (lib/secret-box.ts). A secret in production. */
  SECRETS_KEY?: string;
  /** The deployment's calling hours, local to the patient, as `HH:MM-HH:MM`: clipped to the federal 08:00-21:00 (it can only narrow them); tenants narrow further. */
  CALLING_HOURS?: string;
  /** `true` (local development only): simulator calls and texts ignore the calling hours. Real vendors always get the legal hours. */
  DEV_WIDE_CALLING_WINDOW?: string;
  /** Simulator end-to-end duration when an agent sets none (ms). */
  SIMULATOR_DURATION_MS?: string;
  /** Message attachments (R2). */
  FILES: R2Bucket;
  /** Signs expiring links to attachments (messages/file-links.ts). At least 32 characters; a secret in production. */
  FILES_SIGNING_KEY?: string;
  /** This deployment's public origin (e.g. https://switchboard.example.com), for links and webhooks given to vendors. Defaults to the request's origin. */
  PUBLIC_BASE_URL?: string;
  /**
   * The deployment's default tenant limits, as JSON with any of `requestsPerSecond`, `requestBurst`,
   * `callsPerMinute`, `webhookEndpoints` (tenants/limits.ts has the built-in ones). Operators set a
   * tenant's own with PATCH /admin/tenants/{id}.
   */
  TENANT_LIMIT_DEFAULTS?: string;
  /** The browser side, built by apps/console (the console's bundle, the docs page's Scalar bundle): Workers Static Assets. */
  ASSETS: Fetcher;
  /** Per-attempt timeout of a webhook delivery (ms); 15 s when unset. */
  WEBHOOK_ATTEMPT_TIMEOUT_MS?: string;
}
