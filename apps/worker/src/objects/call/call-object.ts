import { DurableObject } from "cloudflare:workers";
import type { ProviderEvent } from "@switchboard/providers";
import { canTransition, HANGUP_STATUSES, isTerminal, type CallStatus } from "@switchboard/schemas";
import type { Env } from "../../env";
import type { CallObjectRpc, DispatchInfo, EventSource, HangupOutcome, HangupResult } from "../contracts";
import { errorSummary } from "../../lib/log-safe";
import { tenantDatabase, tenantOfRow } from "../../shards/directory";
import { adapterFor, hangupAtProvider, place } from "./placement";
import { CallJournal, initialState, loadCallRecord, refusalOf } from "./journal";
import { apply, attemptPolicy, awaits, end, move, watchdog } from "./rules";

/** A summarizing call whose vendor sends no report is completed without one after this long. */
const REPORT_GRACE_MS = 15 * 60_000;

/**
 * One call: its life from dispatch to end, one RPC method per thing that can happen to it.
 *
 * The parts: rules.ts changes the state (every status change goes through `move()`, which checks
 * CALL_TRANSITIONS); journal.ts stores it, reads the call from D1 at each attempt and writes it
 * through (retried on the alarm, so no transition is lost); placement.ts talks to the vendor;
 * effects.ts does what follows a written transition (lines, webhooks). Check-and-set happens in
 * memory before any await, so concurrent hangups, or a hangup racing the call's own end, have one winner.
 */
export class CallObject extends DurableObject<Env> implements CallObjectRpc {
  private readonly journal: CallJournal;
  /** The alarm's work under way (`tick`), so runs never overlap. */
  private ticking: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.journal = new CallJournal(ctx.storage, env);
    ctx.blockConcurrencyWhile(() => this.journal.load());
  }

  /** The call's current status, or null if it was never started here. */
  async status(): Promise<CallStatus | null> {
    return this.journal.state?.status ?? null;
  }

  /** Where the call stands, for the dispatcher's audit of its lines; null if never started here. */
  async dispatchInfo(): Promise<DispatchInfo | null> {
    const state = this.journal.state;
    if (!state) return null;
    return { status: state.status, attempt: state.attempt, nextAttemptAt: state.nextAttemptAt, campaignId: state.campaignId, timezone: state.timezone };
  }

  /**
   * Dials attempt `attempt` of the call (the dispatcher calls this when the call has a line).
   * Idempotent: an attempt already made is never dialed again, whoever asks and however often.
   * Returns the status after the attempt.
   */
  async start(callId: string, attempt = 1): Promise<CallStatus | null> {
    const journal = this.journal;
    if (journal.state && !awaits(journal.state, attempt)) return journal.state.status;
    const tenantId = journal.state?.tenantId ?? (await tenantOfRow(this.env, "calls", callId));
    const record = tenantId ? await loadCallRecord(await tenantDatabase(this.env, tenantId), callId) : null;
    // Re-check after the await: another start may have won meanwhile.
    if (journal.state && !awaits(journal.state, attempt)) return journal.state.status;
    if (!journal.state) {
      if (!record || isTerminal(record.status)) return null;
      journal.state = initialState(record);
    }
    const state = journal.state;
    if (!record) return state.status;

    // The campaign was canceled or the patient opted out since the call was queued: do not dial.
    const refusal = refusalOf(record);
    if (refusal && canTransition(state.status, "canceled")) {
      end(journal, "canceled", "canceled", "dispatch.refused", { reason: refusal, attempt });
      state.nextAttemptAt = null;
      await journal.commit();
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
    journal.script = [];
    if (state.status !== "initiating") move(journal, "initiating", "dispatched", { attempt });
    state.watchdogAt = Date.now() + state.policy.maxDurationMs;
    await journal.persist();

    await place(this.env, journal, record);
    await journal.commit();
    return journal.state.status;
  }

  /** Hangs up if the call is in a stage that allows it; exactly one of many concurrent callers wins. */
  async hangup(outcome: HangupOutcome = "hung_up_by_api"): Promise<HangupResult> {
    const journal = this.journal;
    const state = journal.state;
    if (!state || !HANGUP_STATUSES.includes(state.status)) {
      // The hangup that won may still be writing through: answer once it is in D1, so a caller reading D1 next sees the end.
      await journal.settled();
      return "not-hangable";
    }
    end(journal, "failed", outcome, "hangup");
    journal.script = [];
    const providerCallId = state.providerCallId;
    await journal.commit();
    if (providerCallId) await hangupAtProvider(this.env, journal, providerCallId);
    return "hung-up";
  }

  /**
   * Applies a provider's report. Duplicates and reports that would move the call backwards
   * change nothing (delivery is at-least-once and unordered). Returns whether anything moved.
   */
  async applyProviderEvent(event: ProviderEvent, source?: EventSource): Promise<boolean> {
    const state = this.journal.state;
    if (source && state && (source.provider !== state.provider || (source.providerCallId && state.providerCallId && source.providerCallId !== state.providerCallId))) {
      return false;
    }
    const moved = apply(this.journal, event);
    if (moved) await this.journal.commit();
    return moved;
  }

  /**
   * Asks the vendor where the call is and applies the answer like any event: for calls whose
   * webhooks went quiet, and for vendors whose webhooks are unsigned (their word is checked here).
   */
  async reconcile(trigger: "quiet" | "webhook"): Promise<"moved" | "unchanged" | "skipped"> {
    const journal = this.journal;
    const state = journal.state;
    if (!state || isTerminal(state.status) || !state.providerCallId || state.provider === "simulator") return "skipped";
    const providerCallId = state.providerCallId;
    const adapter = await adapterFor(this.env, journal);
    if (!adapter?.getCall) return "skipped";
    let event: ProviderEvent | null;
    try {
      event = await adapter.getCall(providerCallId);
    } catch (error) {
      console.error(JSON.stringify({ level: "warn", msg: "reconcile failed", callId: state.callId, provider: state.provider, error: errorSummary(error) }));
      return "unchanged";
    }
    // The vendor may have moved on (a failover, a hangup) while we asked.
    if (journal.state !== state || state.providerCallId !== providerCallId || isTerminal(state.status)) return "unchanged";
    let moved = event ? apply(journal, event, { via: trigger === "quiet" ? "reconciliation" : "webhook_confirmed" }) : false;
    if (!moved && state.status === "summarizing" && state.endedAt !== null && Date.now() - state.endedAt > REPORT_GRACE_MS) {
      // The vendor ended the call but never sent its report: complete it with what we know.
      const outcome = state.outcome ?? "human";
      moved = apply(journal, { status: "completed", outcome, finalReport: { outcome, report: "none received from the provider" } }, { via: "reconciliation" });
    }
    if (moved) await journal.commit();
    return moved ? "moved" : "unchanged";
  }

  override async alarm(): Promise<void> {
    await this.tick(Date.now());
  }

  /**
   * The alarm's work as of `now`: due script events, the watchdog, write retries. Runs one at a
   * time, as alarms do; a test driving the alarm (`tick` through `runInDurableObject`) so waits for
   * a run the runtime started on its own instead of overlapping it.
   */
  tick(now: number): Promise<void> {
    const run = this.ticking.then(() => this.step(now));
    this.ticking = run.catch(() => undefined);
    return run;
  }

  private async step(now: number): Promise<void> {
    const journal = this.journal;
    for (const entry of journal.takeDue(now)) apply(journal, entry.event);
    journal.releaseRetry(now);
    const stuck = watchdog(journal, now);
    await journal.commit();
    if (stuck) await hangupAtProvider(this.env, journal, stuck);
  }
}
