import type { Env } from "./env";
import type { Actor } from "./actor";
import type { Db } from "./lib/db";

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
  /** The request's Idempotency-Key claim, when it has one: placing calls records its outcome on it. */
  idempotency?: IdempotencyClaim | null;
}

/** A request's hold on its Idempotency-Key (http/middleware/idempotency.ts). */
export interface IdempotencyClaim {
  tenantId: string;
  key: string;
  token: string;
  /** The batch an earlier request with this key placed: answer from it, place nothing. */
  committedBatchId: string | null;
}
