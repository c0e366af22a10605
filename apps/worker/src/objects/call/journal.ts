import { LIVE_STATUSES } from "@switchboard/schemas";
import type { Env } from "../../env";
import { errorSummary } from "../../lib/log-safe";
import { runCallEffects } from "./effects";
import type { CallLog, CallSnapshot, CallState, OutboxEntry, ScriptEntry } from "./state";

const WRITE_RETRY_MAX_MS = 60_000;

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
        await writeThrough(this.env.DB, this.state, batch);
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
