import { DurableObject } from "cloudflare:workers";
import type { CallProvider, ProviderEvent } from "@switchboard/providers";
import { canTransition, HANGUP_STATUSES, isTerminal, LIVE_STATUSES, pathTo, type CallOutcome, type CallStatus } from "@switchboard/schemas";
import type { Env } from "../env";
import { createDb } from "../lib/db";
import { agentProviderRefs, loadAdapter, planProviders, startingWith } from "../providers/resolve";
import { attemptPolicy, refusalOf, type AttemptPolicy, type DispatchRecord } from "./attempts";
import { runCallEffects } from "./effects";
import { placeWithFailover } from "./placement";
import { withoutFreeText } from "./redaction";
import { writeThrough, type CallSnapshot, type OutboxEntry } from "./write-through";
import { errorSummary } from "../lib/log-safe";

interface CallState extends CallSnapshot {
  /** The provider that holds the call (or is being asked to place it). */
  provider: string;
  /** Last history sequence number used (the create request and a bulk release wrote the first ones). */
  seq: number;
  /** HIPAA mode (call_options): the transcript and free text never reach storage. */
  redactContent?: boolean;
  /** The attempt on the line or last made (1-based); 0 before the first. */
  attempt: number;
  policy: AttemptPolicy;
  /** When the next attempt may start, while awaiting a retry. */
  nextAttemptAt: number | null;
  /** When a call still live is ended by the watchdog (its agent's max duration after dispatch). */
  watchdogAt: number | null;
  campaignId: string | null;
  timezone: string | null;
}
/** What the tenant's dispatcher asks a call when it checks on its lines. */
export interface DispatchInfo {
  status: CallStatus;
  attempt: number;
  nextAttemptAt: number | null;
  campaignId: string | null;
  timezone: string | null;
}

interface ScriptEntry {
  dueAt: number;
  event: ProviderEvent;
}

export type HangupResult = "hung-up" | "not-hangable";
/** Why a call was hung up: by the API, or because the provider reported voicemail and the client asked to hang up then. */
export type HangupOutcome = Extract<CallOutcome, "hung_up_by_api" | "voicemail">;

/** Which vendor call a webhook event is about; events of an abandoned attempt are not this call's. */
export interface EventSource {
  provider: string;
  providerCallId?: string;
}

/** A summarizing call whose vendor sends no report is completed without one after this long. */
const REPORT_GRACE_MS = 15 * 60_000;

/** The call row and agent the object needs to place a call, read from D1 at each attempt. */
interface CallRecord extends DispatchRecord {
  id: string;
  tenant_id: string;
  status: CallStatus;
  provider: string;
  phone_number: string;
  reason: string | null;
  recording: number;
  client_metadata: string | null;
  agent_id: string;
  agent_name: string;
  agent_provider: string;
  agent_settings: string;
  hipaa_compliant: number | null;
  campaign_id: string | null;
  patient_timezone: string | null;
  last_seq: number;
}

const WRITE_RETRY_MAX_MS = 60_000;

/**
 * One call: its state machine, its hangup lock and its write-through to D1.
 *
 * Every status change goes through `move()`, which checks CALL_TRANSITIONS, and is then written
 * to D1 (the call row and an append-only event) by `flush()`. A failed D1 write stays in the
 * outbox and is retried on the alarm, so no transition is lost. Check-and-set happens in memory
 * before any await, so concurrent hangups, or a hangup racing the call's own end, have one winner.
 */
export class CallObject extends DurableObject<Env> {
  private state: CallState | null = null;
  private outbox: OutboxEntry[] = [];
  private script: ScriptEntry[] = [];
  private writeAttempts = 0;
  private retryWriteAt: number | null = null;
  private flushing: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.get(["state", "outbox", "script", "retryWriteAt"]);
      this.state = (stored.get("state") as CallState | undefined) ?? null;
      this.outbox = (stored.get("outbox") as OutboxEntry[] | undefined) ?? [];
      this.script = (stored.get("script") as ScriptEntry[] | undefined) ?? [];
      this.retryWriteAt = (stored.get("retryWriteAt") as number | undefined) ?? null;
    });
  }

  /** The call's current status, or null if it was never started here. */
  async status(): Promise<CallStatus | null> {
    return this.state?.status ?? null;
  }

  /** Where the call stands, for the dispatcher's audit of its lines; null if never started here. */
  async dispatchInfo(): Promise<DispatchInfo | null> {
    const state = this.state;
    if (!state) return null;
    return { status: state.status, attempt: state.attempt, nextAttemptAt: state.nextAttemptAt, campaignId: state.campaignId, timezone: state.timezone };
  }

  /**
   * Dials attempt `attempt` of the call (the dispatcher calls this when the call has a line).
   * Idempotent: an attempt already made is never dialed again, whoever asks and however often.
   * Returns the status after the attempt.
   */
  async start(callId: string, attempt = 1): Promise<CallStatus | null> {
    if (this.state && !this.awaits(attempt)) return this.state.status;
    const record = await this.env.DB.prepare(
      `SELECT c.id, c.tenant_id, c.status, c.provider, c.phone_number, c.reason, c.recording, c.client_metadata,
              c.campaign_id, a.id AS agent_id, a.name AS agent_name, a.provider AS agent_provider, a.settings AS agent_settings,
              co.hipaa_compliant,
              cp.status AS campaign_status, p.timezone AS patient_timezone,
              (SELECT coalesce(max(e.seq), 0) FROM call_events e WHERE e.call_id = c.id) AS last_seq,
              EXISTS (SELECT 1 FROM opt_outs o WHERE o.tenant_id = c.tenant_id AND o.phone_number = c.phone_number
                                                 AND o.opted_in_at IS NULL) AS opted_out
         FROM calls c JOIN agents a ON a.id = c.agent_id AND a.tenant_id = c.tenant_id
         LEFT JOIN campaigns cp ON cp.id = c.campaign_id
         LEFT JOIN patients p ON p.id = c.patient_id AND p.tenant_id = c.tenant_id
         LEFT JOIN call_options co ON co.call_id = c.id AND co.tenant_id = c.tenant_id
        WHERE c.id = ?`,
    )
      .bind(callId)
      .first<CallRecord>();
    // Re-check after the await: another start may have won meanwhile.
    if (this.state && !this.awaits(attempt)) return (this.state as CallState).status;
    if (!this.state) {
      if (!record || isTerminal(record.status)) return null;
      this.state = {
        callId: record.id,
        tenantId: record.tenant_id,
        status: record.status,
        outcome: null,
        provider: record.provider,
        providerCallId: null,
        startedAt: null,
        endedAt: null,
        finalReport: null,
        transcript: null,
        recordingUrl: null,
        seq: record.last_seq,
        redactContent: record.hipaa_compliant === 1,
        attempt: 0,
        policy: attemptPolicy(record.agent_settings),
        nextAttemptAt: null,
        watchdogAt: null,
        campaignId: record.campaign_id,
        timezone: record.patient_timezone,
      };
    }
    const state = this.state;
    if (!record) return state.status;

    // The campaign was canceled or the patient opted out since the call was queued: do not dial.
    const refusal = refusalOf(record);
    if (refusal && canTransition(state.status, "canceled")) {
      this.end("canceled", "canceled", "dispatch.refused", { reason: refusal, attempt });
      state.nextAttemptAt = null;
      await this.commit();
      return state.status;
    }

    Object.assign(state, {
      attempt,
      policy: attemptPolicy(record.agent_settings),
      outcome: null,
      providerCallId: null,
      startedAt: null,
      endedAt: null,
      finalReport: null,
      transcript: null,
      recordingUrl: null,
      nextAttemptAt: null,
    });
    this.script = [];
    if (state.status !== "initiating") this.move("initiating", "dispatched", { attempt });
    state.watchdogAt = Date.now() + state.policy.maxDurationMs;
    await this.persist();

    await this.place(record);
    await this.commit();
    return this.state.status;
  }

  /** Hangs up if the call is in a stage that allows it; exactly one of many concurrent callers wins. */
  async hangup(outcome: HangupOutcome = "hung_up_by_api"): Promise<HangupResult> {
    const state = this.state;
    if (!state || !HANGUP_STATUSES.includes(state.status)) {
      // The hangup that won may still be writing through: answer once it is in D1, so a caller reading D1 next sees the end.
      await this.flushing;
      return "not-hangable";
    }
    this.end("failed", outcome, "hangup");
    this.script = [];
    const providerCallId = state.providerCallId;
    await this.commit();
    if (providerCallId) await this.hangupAtProvider(providerCallId);
    return "hung-up";
  }

  /**
   * Applies a provider's report. Duplicates and reports that would move the call backwards
   * change nothing (delivery is at-least-once and unordered). Returns whether anything moved.
   */
  async applyProviderEvent(event: ProviderEvent, source?: EventSource): Promise<boolean> {
    const state = this.state;
    if (source && state && (source.provider !== state.provider || (source.providerCallId && state.providerCallId && source.providerCallId !== state.providerCallId))) {
      return false;
    }
    const moved = this.apply(event);
    if (moved) await this.commit();
    return moved;
  }

  /**
   * Asks the vendor where the call is and applies the answer like any event: for calls whose
   * webhooks went quiet, and for vendors whose webhooks are unsigned (their word is checked here).
   */
  async reconcile(trigger: "quiet" | "webhook"): Promise<"moved" | "unchanged" | "skipped"> {
    const state = this.state;
    if (!state || isTerminal(state.status) || !state.providerCallId || state.provider === "simulator") return "skipped";
    const providerCallId = state.providerCallId;
    const adapter = await this.adapter();
    if (!adapter?.getCall) return "skipped";
    let event: ProviderEvent | null;
    try {
      event = await adapter.getCall(providerCallId);
    } catch (error) {
      console.error(JSON.stringify({ level: "warn", msg: "reconcile failed", callId: state.callId, provider: state.provider, error: errorSummary(error) }));
      return "unchanged";
    }
    // The vendor may have moved on (a failover, a hangup) while we asked.
    if (this.state !== state || state.providerCallId !== providerCallId || isTerminal(state.status)) return "unchanged";
    let moved = event ? this.apply(event, { via: trigger === "quiet" ? "reconciliation" : "webhook_confirmed" }) : false;
    if (!moved && state.status === "summarizing" && state.endedAt !== null && Date.now() - state.endedAt > REPORT_GRACE_MS) {
      // The vendor ended the call but never sent its report: complete it with what we know.
      const outcome = state.outcome ?? "human";
      moved = this.apply({ status: "completed", outcome, finalReport: { outcome, report: "none received from the provider" } }, { via: "reconciliation" });
    }
    if (moved) await this.commit();
    return moved ? "moved" : "unchanged";
  }

  override async alarm(): Promise<void> {
    await this.tick(Date.now());
  }

  /** The alarm's work as of `now`: due script events, the watchdog, write retries. */
  async tick(now: number): Promise<void> {
    const due = this.script.filter((s) => s.dueAt <= now);
    this.script = this.script.filter((s) => s.dueAt > now);
    for (const entry of due) this.apply(entry.event);
    if (this.retryWriteAt !== null && this.retryWriteAt <= now) this.retryWriteAt = null;
    const stuck = this.watchdog(now);
    await this.commit();
    if (stuck) await this.hangupAtProvider(stuck);
  }

  // --- state machine -------------------------------------------------------

  /**
   * Moves the call to where the event says, walking the lifecycle table, and takes the event's data.
   * An event that cannot move the call (a duplicate, an older one, one after the end) only fills in
   * data the call does not have yet, so a late report or transcript is kept but never overwrites.
   */
  private apply(incoming: ProviderEvent, options: { via?: string } = {}): boolean {
    const state = this.state;
    // Before dialing, or between attempts, there is no line for news to be about (late news of an
    // earlier attempt is ignored); an ended call only takes data it lacks.
    if (!state || !(LIVE_STATUSES.includes(state.status) || isTerminal(state.status))) return false;
    const answered = state.status === "in-progress" || state.status === "summarizing" || state.status === "completed";
    const event = !answered && incoming.ifUnanswered ? incoming.ifUnanswered : incoming;
    const path = event.status && !isTerminal(state.status) ? pathTo(state.status, event.status) : null;
    if (!path || !event.status) return this.fill(event);
    const type = options.via === "reconciliation" ? "provider.reconciled" : "provider.status";
    const detail = options.via ? { ...event.detail, via: options.via } : event.detail;
    for (const step of path.slice(0, -1)) this.move(step, type);
    // HIPAA mode keeps no transcript, recording or free text (call_options.hipaa_compliant).
    if (event.transcript && !state.redactContent) state.transcript = event.transcript;
    if (event.recordingUrl && !state.redactContent) state.recordingUrl = event.recordingUrl;
    if (event.finalReport) {
      const report = state.redactContent ? withoutFreeText(event.finalReport) : event.finalReport;
      state.finalReport = { ...state.finalReport, ...report };
    }
    if (event.outcome) state.outcome = event.outcome;
    if (isTerminal(event.status)) {
      const outcome = event.outcome ?? state.outcome ?? "provider_error";
      if (this.retries(outcome)) this.awaitRetry(outcome, detail);
      else this.end(event.status, outcome, type, { attempt: state.attempt, ...detail });
    } else {
      this.move(event.status, type, detail);
    }
    return true;
  }

  /** Takes the data the call lacks; returns whether anything was new. */
  private fill(event: ProviderEvent): boolean {
    const state = this.state!;
    const fields: string[] = [];
    if (event.transcript?.length && !state.transcript && !state.redactContent) {
      state.transcript = event.transcript;
      fields.push("transcript");
    }
    if (event.recordingUrl && !state.recordingUrl && !state.redactContent) {
      state.recordingUrl = event.recordingUrl;
      fields.push("recording_url");
    }
    const report = event.finalReport && state.redactContent ? withoutFreeText(event.finalReport) : event.finalReport;
    const newKeys = Object.keys(report ?? {}).filter((k) => !(state.finalReport && k in state.finalReport));
    if (newKeys.length) {
      state.finalReport = { ...Object.fromEntries(newKeys.map((k) => [k, report![k]])), ...state.finalReport };
      fields.push("final_report");
    }
    if (!fields.length) return false;
    this.note("provider.data", { fields });
    return true;
  }

  /** The single place a status changes. Throws on a transition the lifecycle table forbids. */
  private move(to: CallStatus, type: string, detail?: Record<string, unknown>) {
    const state = this.state!;
    const from = state.status;
    if (!canTransition(from, to)) throw new Error(`illegal call transition ${from} -> ${to}`);
    const now = Date.now();
    state.status = to;
    if ((to === "dialing" || to === "in-progress") && state.startedAt === null) state.startedAt = now;
    // The line is down once the call is summarizing, has ended, or this attempt has.
    if ((to === "summarizing" || to === "awaiting-retry" || isTerminal(to)) && state.endedAt === null) state.endedAt = now;
    this.push({ type, from, to, detail: detail ?? null, at: now });
  }

  private end(to: CallStatus, outcome: CallOutcome, type: string, detail?: Record<string, unknown>) {
    this.state!.outcome = outcome;
    this.state!.watchdogAt = null;
    this.move(to, type, { outcome, ...detail });
  }

  /** Whether an attempt that ended with `outcome` is tried again: unanswered, and attempts left. */
  private retries(outcome: CallOutcome): boolean {
    const state = this.state!;
    return (state.policy.retryOn as readonly string[]).includes(outcome) && state.attempt < state.policy.maxAttempts;
  }

  /** Ends this attempt and waits for the next; the dispatcher gives the line back and queues it after the spacing. */
  private awaitRetry(outcome: CallOutcome, detail?: Record<string, unknown>) {
    const state = this.state!;
    const nextAttemptAt = Date.now() + state.policy.spacingMs;
    state.outcome = outcome;
    state.watchdogAt = null;
    state.nextAttemptAt = nextAttemptAt;
    this.script = [];
    this.move("awaiting-retry", "retry.scheduled", {
      outcome,
      attempt: state.attempt,
      nextAttempt: state.attempt + 1,
      nextAttemptAt: new Date(nextAttemptAt).toISOString(),
      ...detail,
    });
  }

  /** A call still live past its agent's max duration (its provider went quiet) is ended; returns the provider call to drop. */
  private watchdog(now: number): string | null {
    const state = this.state;
    if (!state || state.watchdogAt === null || state.watchdogAt > now || !LIVE_STATUSES.includes(state.status)) return null;
    this.script = [];
    this.end("failed", "provider_error", "watchdog", { attempt: state.attempt, maxDurationSeconds: Math.round(state.policy.maxDurationMs / 1000) });
    return state.providerCallId;
  }

  /** Whether `attempt` is the one this call is waiting to make. */
  private awaits(attempt: number): boolean {
    const state = this.state!;
    return state.status === "awaiting-retry" && attempt === state.attempt + 1;
  }

  /** A history entry with no status change. */
  private note(type: string, detail: Record<string, unknown>) {
    this.push({ type, from: null, to: null, detail, at: Date.now() });
  }

  private push(entry: Omit<OutboxEntry, "seq">) {
    const state = this.state!;
    state.seq += 1;
    this.outbox.push({ seq: state.seq, ...entry });
  }

  // --- persistence ---------------------------------------------------------

  private async persist() {
    await this.ctx.storage.put({ state: this.state, outbox: this.outbox, script: this.script, retryWriteAt: this.retryWriteAt });
  }

  /** Persist, write through to D1, and set the alarm for whatever is due next. */
  private async commit() {
    await this.persist();
    await this.flush();
    await this.scheduleAlarm();
  }

  private flush(): Promise<void> {
    this.flushing ??= this.drainOutbox().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drainOutbox() {
    while (this.outbox.length && this.state && this.retryWriteAt === null) {
      const batch = this.outbox.slice(0, 40);
      const lastSeq = batch[batch.length - 1]!.seq;
      try {
        await writeThrough(this.env.DB, this.state, batch);
        this.outbox = this.outbox.filter((e) => e.seq > lastSeq);
        this.writeAttempts = 0;
        await runCallEffects(this.env, this.state, batch);
      } catch (error) {
        this.writeAttempts += 1;
        this.retryWriteAt = Date.now() + Math.min(WRITE_RETRY_MAX_MS, 500 * 2 ** this.writeAttempts);
        console.error(JSON.stringify({ level: "warn", msg: "d1 write-through failed; will retry", callId: this.state.callId, attempt: this.writeAttempts, error: errorSummary(error) }));
      }
      await this.ctx.storage.put({ outbox: this.outbox, retryWriteAt: this.retryWriteAt });
    }
  }

  private async scheduleAlarm() {
    const watchdogAt = this.state && LIVE_STATUSES.includes(this.state.status) ? (this.state.watchdogAt ?? undefined) : undefined;
    const times = [this.script[0]?.dueAt, this.outbox.length ? (this.retryWriteAt ?? Date.now()) : undefined, watchdogAt]
      .filter((t): t is number => t !== undefined);
    if (times.length) await this.ctx.storage.setAlarm(Math.min(...times));
    else await this.ctx.storage.deleteAlarm();
  }

  // --- provider ------------------------------------------------------------

  /** Places the call on the agent's providers, its own first, failing over as placement.ts decides. */
  private async place(record: CallRecord) {
    const state = this.state!;
    const settings = JSON.parse(record.agent_settings) as Record<string, unknown>;
    const db = createDb(this.env.DB);
    const refs = startingWith(agentProviderRefs(record.agent_provider, settings), record.provider);
    const { plan, skipped } = await planProviders(this.env, db, record.tenant_id, refs);
    for (const provider of skipped) this.note("provider.skipped", { provider, reason: "not configured for this tenant" });
    const result = await placeWithFailover(
      plan,
      {
        callId: record.id,
        toNumber: record.phone_number,
        agent: { id: record.agent_id, name: record.agent_name, settings },
        metadata: record.client_metadata ? JSON.parse(record.client_metadata) : {},
        reason: record.reason,
        recording: record.recording === 1,
        hipaaCompliant: record.hipaa_compliant === 1,
      },
      {
        note: (type, detail) => this.note(type, detail),
        attempting: (provider) => {
          state.provider = provider;
        },
        stillWanted: () => state.status === "initiating",
      },
    );
    if (!result.placed) {
      if (state.status === "initiating") this.end("failed", result.outcome, "provider.failed", { provider: state.provider, reason: result.reason });
      return;
    }
    state.providerCallId = result.placed.providerCallId;
    this.note("provider.placed", { provider: result.provider, providerCallId: result.placed.providerCallId });
    if (state.status === "failed" && state.outcome === "hung_up_by_api") {
      // Hung up while the provider was placing the call: drop the line it just opened.
      await this.hangupAtProvider(result.placed.providerCallId);
    } else if (state.status === "initiating") {
      const now = Date.now();
      this.script = (result.placed.script ?? []).map((s) => ({ dueAt: now + s.afterMs, event: s.event }));
    }
  }

  /** The adapter of the provider holding the call; null when its credentials are gone. */
  private async adapter(): Promise<CallProvider | null> {
    const state = this.state!;
    return loadAdapter(this.env, createDb(this.env.DB), state.tenantId, state.provider);
  }

  private async hangupAtProvider(providerCallId: string) {
    const adapter = await this.adapter();
    if (adapter) await this.safeHangup(adapter, providerCallId);
    else {
      this.note("provider.hangup_failed", { provider: this.state!.provider, message: "the provider's credentials were removed" });
      await this.commit();
    }
  }

  private async safeHangup(provider: CallProvider, providerCallId: string) {
    try {
      await provider.hangup(providerCallId);
      this.note("provider.hangup", { provider: provider.name });
    } catch (error) {
      this.note("provider.hangup_failed", { provider: provider.name, message: error instanceof Error ? error.message : "unknown" });
    }
    await this.commit();
  }
}
