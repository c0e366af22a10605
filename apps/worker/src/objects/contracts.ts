import type { Actor } from "../actor";
import type { ProviderEvent } from "@switchboard/providers";
import type { CallOutcome, CallStatus } from "@switchboard/schemas";
import type { Entry, ReleaseJob } from "./dispatcher/queue-store";
import type { BucketSpec } from "./limiter/bucket";
import type { TenantPolicy } from "../contact-policy/tenant";

/*
 * What each Durable Object answers over RPC. env.ts types its namespaces with these interfaces and
 * each class `implements` its own, so the bindings are typed without env.ts importing a class (no
 * import cycle through env.ts) and a class that drifts from its contract fails to compile.
 */

/** Where a call stands, for the tenant dispatcher's audit of its lines. */
export interface DispatchInfo {
  status: CallStatus;
  attempt: number;
  nextAttemptAt: number | null;
  campaignId: string | null;
  timezone: string | null;
  /** The patient's state and who dials, as of the last attempt (for the next attempt's calling hours). */
  usState?: string | null;
  provider?: string | null;
}

export type HangupResult = "hung-up" | "not-hangable";
/** Why a call was hung up: by the API, or because the provider reported voicemail and the client asked to hang up then. */
export type HangupOutcome = Extract<CallOutcome, "hung_up_by_api" | "voicemail">;

/** Which vendor call a webhook event is about; events of an abandoned attempt are not this call's. */
export interface EventSource {
  provider: string;
  providerCallId?: string;
  /** The attempt of the call, when the vendor echoes it. */
  attempt?: number;
}

/** Who hangs up a call, for the audit row written with the hang-up. */
export interface HangupAudit {
  actor: Actor;
  requestId: string | null;
}

/** One call's life, from dispatch to its end (objects/call/call-object.ts). */
export interface CallObjectRpc extends Rpc.DurableObjectBranded {
  status(): Promise<CallStatus | null>;
  dispatchInfo(): Promise<DispatchInfo | null>;
  start(callId: string, attempt?: number): Promise<CallStatus | null>;
  hangup(outcome?: HangupOutcome, audit?: HangupAudit): Promise<HangupResult>;
  applyProviderEvent(event: ProviderEvent, source?: EventSource): Promise<boolean>;
  reconcile(trigger: "quiet" | "webhook"): Promise<"moved" | "unchanged" | "skipped">;
  tick(now: number): Promise<void>;
}

/** A call handed to the tenant's queue (its first attempt). */
export interface DispatchRequest {
  callId: string;
  campaignId: string | null;
  /** The patient's IANA zone; null uses the tenant's. */
  timezone: string | null;
  /** The patient's state, for its calling hours; null: the strictest state's. */
  state?: string | null;
  /** Who dials, as the contact policy sees it: the simulator's calls may ignore hours locally, a vendor's never. */
  provider?: string;
  /** Not before this time (the contact policy deferred it); null or absent: now. */
  notBefore?: number | null;
}

/** The next attempt of a call that went unanswered. */
export interface EnqueueOptions {
  /**
   * Make the starts of the calls given a line before answering, and answer the status each start
   * left its call in (a surface whose answer shows the started call). Otherwise they are made on the
   * dispatcher's alarm right after, and answer `initiating`.
   */
  wait?: boolean;
  /**
   * The tenant's line limit and calling policy as the caller just read them (a create request reads
   * the tenant's row anyway): a dispatcher that holds none loaded uses these rather than read them again.
   */
  tenant?: TenantPolicy & { concurrencyLimit: number };
}

export interface RetryRequest {
  attempt: number;
  notBefore: number;
}

/** One tenant's queue of calls and its lines (objects/dispatcher/tenant-dispatcher.ts). */
export interface TenantDispatcherRpc extends Rpc.DurableObjectBranded {
  enqueue(tenantId: string, campaignId: string, calls: DispatchRequest[], options?: EnqueueOptions): Promise<Record<string, CallStatus | null>>;
  lineFreed(tenantId: string, callId: string, retry?: RetryRequest): Promise<void>;
  releaseCampaign(tenantId: string, campaignId: string): Promise<void>;
  cancelCampaign(tenantId: string, campaignId: string): Promise<{ retries: number; live: string[] }>;
  pauseCampaign(tenantId: string, campaignId: string): Promise<{ live: number }>;
  resumeCampaign(tenantId: string, campaignId: string): Promise<{ live: number }>;
  configure(tenantId: string): Promise<void>;
  tick(now: number): Promise<void>;
  inspect(): Promise<{ limit: number | null; live: Entry[]; waiting: Entry[]; releases: ReleaseJob[] }>;
  stats(campaignId: string): Promise<{ live: number; starting: number; waiting: number; release: ReleaseJob | null }>;
  lines(tenantId: string): Promise<{ limit: number; live: string[]; waiting: number }>;
}

export type DisabledReason = "manual" | "gone" | "failing";

export interface SenderRun {
  attempted: number;
  succeeded: number;
  disabled: DisabledReason | null;
}

/** One customer endpoint's deliveries (objects/webhook-sender.ts). */
export interface WebhookSenderRpc extends Rpc.DurableObjectBranded {
  kick(endpointId: string): Promise<void>;
  deliverDue(now?: number, options?: { timeoutMs?: number }): Promise<SenderRun>;
}

/** A tenant's budgets: requests (every surface together) and calls created. */
export type LimitBucket = "requests" | "calls";

/** `retryAfterMs` null: the cost can never fit (it is above the bucket's capacity). */
export type LimitDecision = { ok: true; remaining: number } | { ok: false; retryAfterMs: number | null };

/** Tokens leased to an isolate: `granted` between 0 and what it asked for. */
export type LeaseGrant = { granted: number; retryAfterMs: number | null };

/** One tenant's rate limits (objects/limiter/tenant-limiter.ts). */
export interface TenantLimiterRpc extends Rpc.DurableObjectBranded {
  take(bucket: LimitBucket, spec: BucketSpec, cost: number): Promise<LimitDecision>;
  giveBack(bucket: LimitBucket, spec: BucketSpec, tokens: number): Promise<void>;
  /** Up to `most` whole tokens at once, for an isolate to spend locally; `retryAfterMs` when none (null: never). */
  lease(bucket: LimitBucket, spec: BucketSpec, most: number): Promise<LeaseGrant>;
}
