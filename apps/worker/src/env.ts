import type { CallObject } from "./calls/call-object";
import type { TenantDispatcher } from "./dispatch/tenant-dispatcher";

/** Bindings and vars of the API worker. */
export interface Env {
  DB: D1Database;
  CALLS: DurableObjectNamespace<CallObject>;
  /** One per tenant (by tenant id): its queue of calls and its lines. */
  DISPATCHERS: DurableObjectNamespace<TenantDispatcher>;
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
}
