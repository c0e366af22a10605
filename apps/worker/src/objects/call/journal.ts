import { tenantDatabase } from "../../shards/directory";
import { LIVE_STATUSES, type CallStatus } from "@switchboard/schemas";
import type { Env } from "../../env";
import { errorSummary } from "../../lib/log-safe";
import { runCallEffects } from "./effects";
import { attemptPolicy } from "./rules";
import type { CallLog, CallSnapshot, CallState, OutboxEntry, ScriptEntry } from "./state";

const WRITE_RETRY_MAX_MS = 60_000;

/*
 * A call object's memory: its own durable storage (the journal), and its copy in D1 (the call row
 * it reads at each attempt, the row and history it writes through).
 */

/**
 * A call object's durable memory: its state, the history not yet in D1 (the outbox), its due
 * script events, and the one alarm that serves them all.
 *
 * `commit()` stores everything, writes the outbox through to D1 (the call row and its events in one
 * batch), runs the call's effects after each successful write, and sets the alarm for whatever is due
 * next. A failed D1 write stays in the outbox and is retried with backoff on the alarm, so no
 * transition is lost.
 */
export class CallJournal implements CallLog {
  state: CallState | null = null;
  script: ScriptEntry[] = [];
  private outbox: OutboxEntry[] = [];
  private writeAttempts = 0;
  private retryWriteAt: number | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {}

  async load() {
    const stored = await this.storage.get(["state", "outbox", "script", "retryWriteAt"]);
    this.state = (stored.get("state") as CallState | undefined) ?? null;
    this.outbox = (stored.get("outbox") as OutboxEntry[] | undefined) ?? [];
    this.script = (stored.get("script") as ScriptEntry[] | undefined) ?? [];
    this.retryWriteAt = (stored.get("retryWriteAt") as number | undefined) ?? null;
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

  /** Takes the script events due by `now` off the script. */
  takeDue(now: number): ScriptEntry[] {
    const due = this.script.filter((s) => s.dueAt <= now);
    this.script = this.script.filter((s) => s.dueAt > now);
    return due;
  }

  /** Lets a write retry whose backoff has passed go ahead at the next flush. */
  releaseRetry(now: number) {
    if (this.retryWriteAt !== null && this.retryWriteAt <= now) this.retryWriteAt = null;
  }

  /** Settles once the write-through under way (if any) has finished. */
  settled(): Promise<void> | null {
    return this.flushing;
  }

  async persist() {
    await this.storage.put({ state: this.state, outbox: this.outbox, script: this.script, retryWriteAt: this.retryWriteAt });
  }

  /** Persist, write through to D1, and set the alarm for whatever is due next. */
  async commit() {
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
        // A tenant being moved refuses writes: this throws and the alarm retries, like any failed write.
        await writeThrough(await tenantDatabase(this.env, this.state.tenantId), this.state, batch);
        this.outbox = this.outbox.filter((e) => e.seq > lastSeq);
        this.writeAttempts = 0;
        await runCallEffects(this.env, this.state, batch);
      } catch (error) {
        this.writeAttempts += 1;
        this.retryWriteAt = Date.now() + Math.min(WRITE_RETRY_MAX_MS, 500 * 2 ** this.writeAttempts);
        console.error(JSON.stringify({ level: "warn", msg: "d1 write-through failed; will retry", callId: this.state.callId, attempt: this.writeAttempts, error: errorSummary(error) }));
      }
      await this.storage.put({ outbox: this.outbox, retryWriteAt: this.retryWriteAt });
    }
  }

  private async scheduleAlarm() {
    const watchdogAt = this.state && LIVE_STATUSES.includes(this.state.status) ? (this.state.watchdogAt ?? undefined) : undefined;
    const times = [this.script[0]?.dueAt, this.outbox.length ? (this.retryWriteAt ?? Date.now()) : undefined, watchdogAt]
      .filter((t): t is number => t !== undefined);
    if (times.length) await this.storage.setAlarm(Math.min(...times));
    else await this.storage.deleteAlarm();
  }
}

/**
 * Writes the call's current row and its pending history in one atomic D1 batch. Idempotent:
 * the row is overwritten with the latest snapshot and events are keyed by (call_id, seq).
 */
export async function writeThrough(db: D1Database, call: CallSnapshot, entries: readonly OutboxEntry[]): Promise<void> {
  const now = Date.now();
  const statements = [
    db
      .prepare(
        `UPDATE calls SET status = ?, outcome = ?, provider_call_id = ?, started_at = ?, answered_at = COALESCE(answered_at, ?), ended_at = ?,
           final_report = ?, transcript = ?, recording_url = ?, provider = COALESCE(?, provider), updated_at = ?
         WHERE id = ? AND tenant_id = ?`,
      )
      .bind(
        call.status,
        call.outcome,
        call.providerCallId,
        call.startedAt,
        call.answeredAt ?? null,
        call.endedAt,
        call.finalReport ? JSON.stringify(call.finalReport) : null,
        call.transcript ? JSON.stringify(call.transcript) : null,
        call.recordingUrl ?? null,
        call.provider ?? null,
        now,
        call.callId,
        call.tenantId,
      ),
    ...entries.map((e) =>
      db
        .prepare(
          `INSERT INTO call_events (call_id, tenant_id, seq, type, from_status, to_status, detail, at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (call_id, seq) DO NOTHING`,
        )
        .bind(call.callId, call.tenantId, e.seq, e.type, e.from, e.to, e.detail ? JSON.stringify(e.detail) : null, e.at),
    ),
  ];
  await db.batch(statements);
}

/** The call row and agent the object needs to place a call, read from D1 at each attempt. */
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
  patient_timezone: string | null;
  last_seq: number;
}

export function loadCallRecord(db: D1Database, callId: string): Promise<CallRecord | null> {
  return db.prepare(
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
  };
}

/** The parts of the call row read at each attempt that may forbid dialing. */
export interface DispatchRecord {
  campaign_status: string | null;
  opted_out: number;
}

/** Why an attempt must not be dialed, or null: the campaign was canceled, or the number opted out. */
export function refusalOf(record: DispatchRecord): "campaign_canceled" | "opted_out" | null {
  if (record.campaign_status === "canceled") return "campaign_canceled";
  if (record.opted_out) return "opted_out";
  return null;
}
