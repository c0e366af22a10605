import { tenantDatabase } from "../../shards/directory";
import { LIVE_STATUSES, type CallStatus } from "@switchboard/schemas";
import { factsColumns } from "../../contact-policy/facts";
import type { Env } from "../../env";
import { errorSummary } from "../../lib/log-safe";
import { wakeAll } from "../../customer-webhooks/emit";
import { runCallEffects } from "./effects";
import { attemptPolicy, UNKNOWN_PLACEMENT_GRACE_MS } from "./rules";
import type { AuditStamp, CallLog, CallState, OutboxEntry, ScriptEntry } from "./state";
import { writeThrough, type WrittenRow } from "./write-through";

const WRITE_RETRY_MAX_MS = 60_000;

/*
 * A call object's memory: its own durable storage (the journal), and its copy in D1 (the call row
 * it reads at each attempt, the row and history it writes through).
 */

/**
 * A call object's durable memory: its state, the history not yet in D1 (the outbox), the history
 * written whose effects have not all run, its due script events, and the one alarm that serves
 * them all.
 *
 * `commit()` stores everything, writes the outbox through to D1 (the call row, its events, the
 * webhook events they announce and any audit rows, in one batch), runs the call's effects for what
 * was written, and sets the alarm for whatever is due next. A failed D1 write stays in the outbox
 * and a failed effect stays pending; both are retried with backoff on the alarm, so no transition,
 * announcement or line is lost.
 */
export class CallJournal implements CallLog {
  state: CallState | null = null;
  script: ScriptEntry[] = [];
  private outbox: OutboxEntry[] = [];
  /** The call row's columns as this object last wrote them through (null: unknown, so the next write sets them all). */
  private written: WrittenRow | null = null;
  private writeAttempts = 0;
  private retryWriteAt: number | null = null;
  /** Written to D1, effects (lines, the no-human hangup) not yet all run. */
  private pendingEffects: OutboxEntry[] = [];
  private effectAttempts = 0;
  private retryEffectsAt: number | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {}

  async load() {
    const stored = await this.storage.get(["state", "outbox", "script", "retryWriteAt", "pendingEffects", "retryEffectsAt", "written"]);
    this.written = (stored.get("written") as WrittenRow | undefined) ?? null;
    this.state = (stored.get("state") as CallState | undefined) ?? null;
    this.outbox = (stored.get("outbox") as OutboxEntry[] | undefined) ?? [];
    this.script = (stored.get("script") as ScriptEntry[] | undefined) ?? [];
    this.retryWriteAt = (stored.get("retryWriteAt") as number | undefined) ?? null;
    this.pendingEffects = (stored.get("pendingEffects") as OutboxEntry[] | undefined) ?? [];
    this.retryEffectsAt = (stored.get("retryEffectsAt") as number | undefined) ?? null;
  }

  /**
   * After a (re)start: an attempt that was being placed is placed by nobody now. Give the vendor's
   * news a moment to say where that dial went, then settle it; re-arm the alarm for that, since an
   * object that restarted may hold no alarm any more.
   */
  async restarted(now: number) {
    const placement = this.state?.placement;
    if (!placement) return;
    placement.dueAt = Math.min(placement.dueAt, placement.phase === "planning" ? now : now + UNKNOWN_PLACEMENT_GRACE_MS);
    await this.persist();
    await this.scheduleAlarm();
  }

  /** A history entry, numbered after the last one this call wrote. */
  push(entry: Omit<OutboxEntry, "seq">) {
    const state = this.state!;
    state.seq += 1;
    this.outbox.push({ seq: state.seq, ...entry });
  }

  /** A history entry with no status change. */
  note(type: string, detail: Record<string, unknown>) {
    this.push({ type, from: null, to: null, detail, at: Date.now() });
  }

  /** Has the latest history entry carry its audit row, so both reach D1 in one batch. */
  audit(stamp: AuditStamp) {
    const last = this.outbox[this.outbox.length - 1];
    if (last) last.audit = stamp;
  }

  /** Takes the script events due by `now` off the script. */
  takeDue(now: number): ScriptEntry[] {
    const due = this.script.filter((s) => s.dueAt <= now);
    this.script = this.script.filter((s) => s.dueAt > now);
    return due;
  }

  /** Lets write and effect retries whose backoff has passed go ahead at the next flush. */
  releaseRetry(now: number) {
    if (this.retryWriteAt !== null && this.retryWriteAt <= now) this.retryWriteAt = null;
    if (this.retryEffectsAt !== null && this.retryEffectsAt <= now) this.retryEffectsAt = null;
  }

  /** Settles once the write-through under way (if any) has finished. */
  settled(): Promise<void> | null {
    return this.flushing;
  }

  async persist() {
    await this.storage.put(this.snapshot());
  }

  /**
   * Stores everything and waits until it is on disk. Before a vendor is asked to dial: a reset
   * right after (a deploy, an eviction) must find the attempt marked as possibly dialed, even when
   * nothing else left the object in between to flush the write.
   */
  async persistDurably() {
    await this.storage.put(this.snapshot());
    await this.storage.sync();
  }

  /**
   * Stores everything and sets the alarm in one storage transaction (nothing awaited in between):
   * from here, whatever happens to this object, the alarm will find what must be settled.
   */
  async persistArmed() {
    const put = this.storage.put(this.snapshot());
    // For the attempt and the watchdog, not the history waiting in the outbox: that is written when
    // the placement commits (one batch), or by the alarm after a restart.
    const arm = this.storage.setAlarm(this.nextAlarm({ outbox: false }) ?? Date.now());
    await Promise.all([put, arm]);
  }

  /** Persist, write through to D1, run effects, and set the alarm for whatever is due next. */
  async commit() {
    await this.persist();
    await this.flush();
    await this.scheduleAlarm();
  }

  private snapshot() {
    return {
      state: this.state,
      outbox: this.outbox,
      script: this.script,
      retryWriteAt: this.retryWriteAt,
      pendingEffects: this.pendingEffects,
      retryEffectsAt: this.retryEffectsAt,
      written: this.written,
    };
  }

  private flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drain() {
    await this.drainOutbox();
    await this.runEffects();
  }

  private async drainOutbox() {
    while (this.outbox.length && this.state && this.retryWriteAt === null) {
      const batch = this.outbox.slice(0, 40);
      const lastSeq = batch[batch.length - 1]!.seq;
      let woken: string[] = [];
      try {
        // A tenant being moved refuses writes: this throws and the alarm retries, like any failed write.
        ({ written: this.written, woken } = await writeThrough(await tenantDatabase(this.env, this.state.tenantId), this.state, batch, this.written));
        this.outbox = this.outbox.filter((e) => e.seq > lastSeq);
        this.pendingEffects.push(...batch);
        this.writeAttempts = 0;
      } catch (error) {
        this.writeAttempts += 1;
        this.retryWriteAt = Date.now() + Math.min(WRITE_RETRY_MAX_MS, 500 * 2 ** this.writeAttempts);
        console.error(JSON.stringify({ level: "warn", msg: "d1 write-through failed; will retry", callId: this.state.callId, attempt: this.writeAttempts, error: errorSummary(error) }));
      }
      await this.storage.put({ outbox: this.outbox, retryWriteAt: this.retryWriteAt, pendingEffects: this.pendingEffects, written: this.written });
      // The deliveries are in D1 either way; a sender not woken now is woken by the cron's sweep.
      await wakeAll(this.env, woken);
    }
  }

  /** Runs the effects of what reached D1; keeps them (retried with backoff) until they all succeed. */
  private async runEffects() {
    if (!this.pendingEffects.length || !this.state || this.retryEffectsAt !== null) return;
    const written = this.pendingEffects;
    if (await runCallEffects(this.env, this.state, written)) {
      this.pendingEffects = this.pendingEffects.filter((e) => !written.includes(e));
      this.effectAttempts = 0;
    } else {
      this.effectAttempts += 1;
      this.retryEffectsAt = Date.now() + Math.min(WRITE_RETRY_MAX_MS, 1000 * 2 ** this.effectAttempts);
    }
    await this.storage.put({ pendingEffects: this.pendingEffects, retryEffectsAt: this.retryEffectsAt });
  }

  private nextAlarm(include: { outbox: boolean } = { outbox: true }): number | null {
    const state = this.state;
    const watchdogAt = state && LIVE_STATUSES.includes(state.status) ? (state.watchdogAt ?? undefined) : undefined;
    const times = [
      this.script[0]?.dueAt,
      include.outbox && this.outbox.length ? (this.retryWriteAt ?? Date.now()) : undefined,
      this.pendingEffects.length ? (this.retryEffectsAt ?? Date.now()) : undefined,
      watchdogAt,
      state?.placement?.dueAt,
    ].filter((t): t is number => t !== undefined);
    return times.length ? Math.min(...times) : null;
  }

  private async scheduleAlarm() {
    const next = this.nextAlarm();
    if (next !== null) await this.storage.setAlarm(next);
    else await this.storage.deleteAlarm();
  }
}

/**
 * The call row and agent the object needs to place a call, read from D1 at each attempt, with
 * everything the contact policy decides on: the patient's zone, state, consent, the tenant's
 * policy and the patient's contact counters (one row).
 */
export interface CallRecord extends DispatchRecord {
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
  patient_id: string | null;
  purpose: string | null;
  subject: string | null;
  policy_decision: string | null;
  policy_reason: string | null;
  policy_reasons: string | null;
  policy_until: number | null;
  patient_timezone: string | null;
  patient_state: string | null;
  /** The tenant's zone and policy columns. */
  timezone: string;
  calling_hours_start: string | null;
  calling_hours_end: string | null;
  contact_policy: string | null;
  on_dnc: number;
  consent: string | null;
  counters_recent: string | null;
  counters_version: number | null;
  last_seq: number;
}

export function loadCallRecord(db: D1Database, callId: string): Promise<CallRecord | null> {
  return db.prepare(
    `SELECT c.id, c.tenant_id, c.status, c.provider, c.phone_number, c.reason, c.recording, c.client_metadata,
            c.campaign_id, c.patient_id, c.purpose, c.subject, c.policy_decision, c.policy_reason, c.policy_reasons, c.policy_until,
            a.id AS agent_id, a.name AS agent_name, a.provider AS agent_provider, a.settings AS agent_settings,
            co.hipaa_compliant,
            cp.status AS campaign_status, cp.paused_at AS campaign_paused_at, p.timezone AS patient_timezone, p.state AS patient_state,
            t.timezone, t.calling_hours_start, t.calling_hours_end, t.contact_policy,
            (SELECT coalesce(max(e.seq), 0) FROM call_events e WHERE e.call_id = c.id) AS last_seq,
            ${factsColumns({ tenant: "c.tenant_id", patient: "c.patient_id", number: "c.phone_number" })},
            cc.recent AS counters_recent, cc.version AS counters_version
       FROM calls c JOIN agents a ON a.id = c.agent_id AND a.tenant_id = c.tenant_id
       JOIN tenants t ON t.id = c.tenant_id
       LEFT JOIN campaigns cp ON cp.id = c.campaign_id
       LEFT JOIN patients p ON p.id = c.patient_id AND p.tenant_id = c.tenant_id
       LEFT JOIN call_options co ON co.call_id = c.id AND co.tenant_id = c.tenant_id
       LEFT JOIN contact_counters cc ON cc.tenant_id = c.tenant_id AND cc.patient_id = c.patient_id
      WHERE c.id = ?`,
  )
    .bind(callId)
    .first<CallRecord>();
}

/** The state a call object starts from when it first hears of its call; history continues after `last_seq`. */
export function initialState(record: CallRecord): CallState {
  return {
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
    purpose: record.purpose,
    contactPolicy: record.policy_decision
      ? {
          policyDecision: record.policy_decision as "allow" | "defer" | "refuse",
          policyReason: record.policy_reason as never,
          policyReasons: record.policy_reasons,
          policyUntil: record.policy_until,
        }
      : null,
  };
}

/** The parts of the call row read at each attempt that may forbid dialing (the contact policy aside). */
export interface DispatchRecord {
  campaign_status: string | null;
  campaign_paused_at: number | null;
  opted_out: number;
}

/**
 * Why an attempt must not be dialed now, or null: the campaign was canceled (the call ends), or
 * paused (the call waits). Opt-outs and every other rule about the patient are the contact
 * policy's (objects/call/policy.ts).
 */
export function refusalOf(record: DispatchRecord): "campaign_canceled" | "campaign_paused" | null {
  if (record.campaign_status === "canceled") return "campaign_canceled";
  if (record.campaign_paused_at !== null) return "campaign_paused";
  return null;
}
