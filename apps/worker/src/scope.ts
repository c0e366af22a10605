import type { Env } from "./env";
import type { Db } from "./lib/db";

/** Who did something, for the audit trail. */
export interface Actor {
  /** `signed_link`: whoever holds an attachment link (no credential of their own). */
  type: "api_key" | "admin" | "system" | "signed_link";
  /** The API key's id (for `signed_link`, the key the link was issued to); null for the operator and the system. */
  id: string | null;
}

/**
 * What every use case is handed: the platform's services and who is asking. The HTTP layer builds
 * one per request (http/context.ts `scopeOf`); the cron and the Durable Objects build their own.
 */
export interface Scope {
  env: Env;
  db: Db;
  /** Keeps work going after the response (a request's `waitUntil`). */
  waitUntil: (work: Promise<unknown>) => void;
  tenantId: string;
  actor: Actor;
  requestId: string | null;
}
