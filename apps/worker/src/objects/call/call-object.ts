import { DurableObject } from "cloudflare:workers";
import type { ProviderEvent } from "@switchboard/providers";
import { canTransition, HANGUP_STATUSES, isTerminal, type CallStatus } from "@switchboard/schemas";
import type { Env } from "../../env";
import type { CallObjectRpc, DispatchInfo, EventSource, HangupAudit, HangupOutcome, HangupResult } from "../contracts";
import { errorSummary } from "../../lib/log-safe";
import { injectedFault, withFaults } from "../../lib/faults";
import { tenantDatabase, tenantOfRow } from "../../shards/directory";
import { adapterFor, hangupAtProvider, place } from "./placement";
import { CallJournal, initialState, loadCallRecord, refusalOf, type CallRecord } from "./journal";
import { forgetAttempt, passesPolicy } from "./policy";
import {
  apply,
  attemptPolicy,
  awaits,
  end,
  move,
  placementDue,
  placementLost,
  planningFailed,
  REPORT_GRACE_MS,
  RING_LIMIT_MS,
  UNKNOWN_PLACEMENT_GRACE_MS,
  watchdog,
} from "./rules";
import type { CallState } from "./state";


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

  /** This instance is placing an attempt now (a placement stored by an instance that is gone is placed by nobody). */
  private placing = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, withFaults(env));
    this.journal = new CallJournal(ctx.storage, this.env);
    ctx.blockConcurrencyWhile(async () => {
      await this.journal.load();
      await this.journal.restarted(Date.now());
    });
  }

  /** The call's current status, or null if it was never started here. */
  async status(): Promise<CallStatus | null> {
    return this.journal.state?.status ?? null;
  }

  /** Where the call stands, for the dispatcher's audit of its lines; null if never started here. */
  async dispatchInfo(): Promise<DispatchInfo | null> {
    const state = this.journal.state;
    if (!state) return null;
    return {
      status: state.status,
      attempt: state.attempt,
      nextAttemptAt: state.nextAttemptAt,
      campaignId: state.campaignId,
      timezone: state.timezone,
      usState: state.hours?.state ?? null,
      provider: state.hours?.provider ?? null,
    };
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

    // The campaign was canceled since the call was queued: do not dial. Paused: wait (the dispatcher holds it).
    const refusal = refusalOf(record);
    if (refusal === "campaign_canceled" && canTransition(state.status, "canceled")) {
      end(journal, "canceled", "canceled", "dispatch.refused", { reason: refusal, attempt });
      state.nextAttemptAt = null;
      await journal.commit();
      return state.status;
    }
    if (refusal === "campaign_paused") {
      state.nextAttemptAt = null;
      await journal.persist();
      return state.status;
    }
    // The contact policy, decided now: a deferred or refused attempt never reaches a vendor.
    if (!(await passesPolicy(this.env, journal, record, attempt))) return state.status;

    const now = Date.now();
    Object.assign(state, {
      attempt,
      policy: attemptPolicy(record.agent_settings),
      outcome: null,
      // Earlier attempts' vendor calls: their late news is not about this one (applyProviderEvent).
      pastProviderCallIds: [...(state.pastProviderCallIds ?? []), ...(state.providerCallId ? [state.providerCallId] : [])],
      providerCallId: null,
      startedAt: null,
      endedAt: null,
      finalReport: null,
      transcript: null,
      recordingUrl: null,
      nextAttemptAt: null,
      placement: { attempt, phase: "planning", failures: 0, dueAt: now + UNKNOWN_PLACEMENT_GRACE_MS },
    });
    journal.script = [];
    if (state.status !== "initiating") move(journal, "initiating", "dispatched", { attempt });
    else state.watchdogAt = now + RING_LIMIT_MS;
    // The state and its alarm are stored together before the first await: if placing throws or
    // this object restarts mid-dial, the alarm finds the attempt and settles it (tick).
    await journal.persistArmed();

    await this.placeAttempt(record);
    return journal.state.status;
  }

  /**
   * Places the stored attempt and commits the outcome. A failure while planning (before any vendor
   * is asked) is retried on the alarm, then ends the attempt; a vendor's refusal ends it at once.
   */
  private async placeAttempt(record: CallRecord) {
    const journal = this.journal;
    const state = journal.state!;
    const attempt = state.attempt;
    this.placing = true;
    let placed: Awaited<ReturnType<typeof place>> | null = null;
    try {
      placed = await place(this.env, journal, record, () => {
        if (injectedFault(this.env, "call.restart.placing", state.callId, ["restart"])) this.ctx.abort("injected restart after the vendor took the call");
      });
      state.placement = null;
    } catch (error) {
      if (state.placement?.phase !== "planning" || state.status !== "initiating") throw error;
      planningFailed(journal, errorSummary(error), Date.now());
    } finally {
      this.placing = false;
    }
    await journal.commit();
    // A call no vendor took reached no one: it does not count toward the patient's contact caps.
    if (placed === "not_placed") {
      try {
        await forgetAttempt(this.env, record, attempt);
      } catch (error) {
        // The counter keeps the contact: the patient is contacted less, never more.
        console.error(JSON.stringify({ level: "error", msg: "contact not taken back", callId: state.callId, error: errorSummary(error) }));
      }
    }
  }

  /** An attempt whose planning failed earlier: plan it again, unless it must not be dialed any more. */
  private async planAgain() {
    const journal = this.journal;
    const state = journal.state!;
    let record: CallRecord | null;
    try {
      record = await loadCallRecord(await tenantDatabase(this.env, state.tenantId), state.callId);
    } catch (error) {
      planningFailed(journal, errorSummary(error), Date.now());
      await journal.commit();
      return;
    }
    if (!record) return;
    // A campaign paused since this attempt started does not stop it (pausing holds calls not yet started).
    const refusal = refusalOf(record);
    if (refusal && refusal !== "campaign_paused") {
      state.placement = null;
      end(journal, "canceled", "canceled", "dispatch.refused", { reason: refusal, attempt: state.attempt });
      await journal.commit();
      return;
    }
    await this.placeAttempt(record);
  }

  /** Hangs up if the call is in a stage that allows it; exactly one of many concurrent callers wins. */
  async hangup(outcome: HangupOutcome = "hung_up_by_api", audit?: HangupAudit): Promise<HangupResult> {
    const journal = this.journal;
    const state = journal.state;
    if (!state || !HANGUP_STATUSES.includes(state.status)) {
      // The hangup that won may still be writing through: answer once it is in D1, so a caller reading D1 next sees the end.
      await journal.settled();
      return "not-hangable";
    }
    end(journal, "failed", outcome, "hangup");
    // Who hung up is recorded in the same D1 batch as the hang-up itself.
    if (audit) journal.audit({ action: "call.hung_up", actor: audit.actor, requestId: audit.requestId });
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
    if (source && state && !aboutThisAttempt(state, source)) return false;
    let recovered = false;
    if (source?.providerCallId && state && state.providerCallId === null && state.placement?.phase === "dialing" && !this.placing) {
      // This object restarted while the vendor was dialing; the vendor's news says where that dial went.
      state.providerCallId = source.providerCallId;
      state.placement = null;
      this.journal.note("placement.recovered", { provider: source.provider, providerCallId: source.providerCallId });
      recovered = true;
    }
    const moved = apply(this.journal, event);
    if (moved || recovered) await this.journal.commit();
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
   * The alarm's work as of `now`: due script events, an attempt left unplaced, the watchdog, write and
   * effect retries. Runs one at a time, as alarms do; a test driving the alarm (`tick` through
   * `runInDurableObject`) so waits for a run the runtime started on its own instead of overlapping it.
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
    const state = journal.state;
    let unplaced: "plan" | "lost" | null = null;
    if (state?.placement && this.placing) {
      // Still being placed here (a slow vendor): look again later; the watchdog bounds it.
      if (state.placement.dueAt <= now) state.placement.dueAt = now + UNKNOWN_PLACEMENT_GRACE_MS;
    } else if (state) {
      unplaced = placementDue(state, now);
      if (unplaced === "lost") placementLost(journal);
    }
    const stuck = watchdog(journal, now);
    await journal.commit();
    if (stuck) await hangupAtProvider(this.env, journal, stuck);
    if (unplaced === "plan" && journal.state?.placement) await this.planAgain();
    if (injectedFault(this.env, "call.restart.committed", journal.state?.callId ?? "", ["restart"])) this.ctx.abort("injected restart after a commit");
  }
}

/**
 * Whether a webhook's event is about the attempt on the line: from the vendor holding the call, not
 * of another attempt (by the attempt the vendor echoes, or a vendor call id of an earlier attempt),
 * and not of another vendor call than the current one.
 */
function aboutThisAttempt(state: CallState, source: EventSource): boolean {
  if (source.provider !== state.provider) return false;
  if (source.attempt !== undefined && source.attempt !== state.attempt) return false;
  if (!source.providerCallId) return true;
  if (state.pastProviderCallIds?.includes(source.providerCallId)) return false;
  return state.providerCallId === null || state.providerCallId === source.providerCallId;
}
