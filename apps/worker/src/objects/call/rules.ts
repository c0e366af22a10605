import type { ProviderEvent } from "@switchboard/providers";
import { canTransition, DEFAULT_RETRY_SETTINGS, isTerminal, LIVE_STATUSES, pathTo, RetrySettings, type CallOutcome, type CallStatus } from "@switchboard/schemas";
import { decideHours, policyColumns } from "../../contact-policy/decide";
import type { AttemptPolicy, CallLog, CallState } from "./state";

/*
 * How a call's state changes: provider news, the lifecycle walk, retries and the watchdog. These
 * rules change the state and record history in the journal; they never await, so a check and its
 * set happen together and concurrent requests cannot interleave between them.
 */

/**
 * Moves the call to where the event says, walking the lifecycle table, and takes the event's data.
 * An event that cannot move the call (a duplicate, an older one, one after the end) only fills in
 * data the call does not have yet, so a late report or transcript is kept but never overwrites.
 */
export function apply(log: CallLog, incoming: ProviderEvent, options: { via?: string } = {}): boolean {
  const state = log.state;
  // Before dialing, or between attempts, there is no line for news to be about (late news of an
  // earlier attempt is ignored); an ended call only takes data it lacks.
  if (!state || !(LIVE_STATUSES.includes(state.status) || isTerminal(state.status))) return false;
  const answered = state.status === "in-progress" || state.status === "summarizing" || state.status === "completed";
  const event = !answered && incoming.ifUnanswered ? incoming.ifUnanswered : incoming;
  const path = event.status && !isTerminal(state.status) ? pathTo(state.status, event.status) : null;
  if (!path || !event.status) return fill(log, event);
  const type = options.via === "reconciliation" ? "provider.reconciled" : "provider.status";
  const detail = options.via ? { ...event.detail, via: options.via } : event.detail;
  for (const step of path.slice(0, -1)) move(log, step, type);
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
    if (retries(state, outcome)) awaitRetry(log, outcome, detail);
    else end(log, event.status, outcome, type, { attempt: state.attempt, ...detail });
  } else {
    move(log, event.status, type, detail);
  }
  return true;
}

/** Takes the data the call lacks; returns whether anything was new. */
function fill(log: CallLog, event: ProviderEvent): boolean {
  const state = log.state!;
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
  log.note("provider.data", { fields });
  return true;
}

/** The single place a status changes. Throws on a transition the lifecycle table forbids. */
export function move(log: CallLog, to: CallStatus, type: string, detail?: Record<string, unknown>) {
  const state = log.state!;
  const from = state.status;
  if (!canTransition(from, to)) throw new Error(`illegal call transition ${from} -> ${to}`);
  const now = Date.now();
  state.status = to;
  if ((to === "dialing" || to === "in-progress") && state.startedAt === null) state.startedAt = now;
  if (to === "in-progress" && !state.answeredAt) state.answeredAt = now;
  // The line is down once the call is summarizing, has ended, or this attempt has.
  if ((to === "summarizing" || to === "awaiting-retry" || isTerminal(to)) && state.endedAt === null) state.endedAt = now;
  log.push({ type, from, to, detail: detail ?? null, at: now });
}

export function end(log: CallLog, to: CallStatus, outcome: CallOutcome, type: string, detail?: Record<string, unknown>) {
  log.state!.outcome = outcome;
  log.state!.watchdogAt = null;
  move(log, to, type, { outcome, ...detail });
}

/** Whether an attempt that ended with `outcome` is tried again: unanswered, and attempts left. */
function retries(state: CallState, outcome: CallOutcome): boolean {
  return (state.policy.retryOn as readonly string[]).includes(outcome) && state.attempt < state.policy.maxAttempts;
}

/** Ends this attempt and waits for the next; the dispatcher gives the line back and queues it after the spacing. */
function awaitRetry(log: CallLog, outcome: CallOutcome, detail?: Record<string, unknown>) {
  const state = log.state!;
  const nextAttemptAt = Date.now() + state.policy.spacingMs;
  state.outcome = outcome;
  state.watchdogAt = null;
  state.nextAttemptAt = nextAttemptAt;
  log.script = [];
  move(log, "awaiting-retry", "retry.scheduled", {
    outcome,
    attempt: state.attempt,
    nextAttempt: state.attempt + 1,
    nextAttemptAt: new Date(nextAttemptAt).toISOString(),
    ...detail,
  });
  deferIntoHours(log, nextAttemptAt);
}

/**
 * A next attempt due outside the patient's calling hours waits for them (the caps are checked
 * when it is made): recorded now, so the call says why it waits, not only the dispatcher.
 */
function deferIntoHours(log: CallLog, at: number) {
  const state = log.state!;
  if (!state.hours) return;
  const { timeZone, state: usState, provider, tenant, devWide } = state.hours;
  const decision = decideHours(at, { timeZone, state: usState as never }, provider as never, tenant as never, devWide);
  if (decision.kind !== "defer") return;
  state.nextAttemptAt = decision.until;
  state.contactPolicy = policyColumns(decision);
  log.note("policy.deferred", { reason: decision.reason, reasons: decision.reasons, until: new Date(decision.until).toISOString(), attempt: state.attempt + 1 });
}

/** A call still live past its agent's max duration (its provider went quiet) is ended; returns the provider call to drop. */
export function watchdog(log: CallLog, now: number): string | null {
  const state = log.state;
  if (!state || state.watchdogAt === null || state.watchdogAt > now || !LIVE_STATUSES.includes(state.status)) return null;
  log.script = [];
  end(log, "failed", "provider_error", "watchdog", { attempt: state.attempt, maxDurationSeconds: Math.round(state.policy.maxDurationMs / 1000) });
  return state.providerCallId;
}

/** Whether `attempt` is the one this call is waiting to make (a first attempt the contact policy deferred waits `queued`). */
export function awaits(state: CallState, attempt: number): boolean {
  return (state.status === "awaiting-retry" || state.status === "queued" || state.status === "scheduled") && attempt === state.attempt + 1;
}

const DEFAULT_MAX_DURATION_SECONDS = 900;

/** The policy in an agent's stored settings (JSON); anything missing or malformed takes the defaults. */
export function attemptPolicy(agentSettings: string): AttemptPolicy {
  let settings: Record<string, unknown> = {};
  try {
    settings = JSON.parse(agentSettings) as Record<string, unknown>;
  } catch {
    // stored by us; defaults if it ever is not JSON
  }
  const retry = RetrySettings.safeParse(settings.retry ?? DEFAULT_RETRY_SETTINGS);
  const { maxAttempts, spacingMinutes, on } = retry.success ? retry.data : DEFAULT_RETRY_SETTINGS;
  const maxDuration = typeof settings.maxDurationSeconds === "number" ? settings.maxDurationSeconds : DEFAULT_MAX_DURATION_SECONDS;
  return { maxAttempts, spacingMs: spacingMinutes * 60_000, retryOn: on, maxDurationMs: maxDuration * 1000 };
}

/**
 * What is left of a provider's final report in HIPAA mode: the structured results (flags, counts,
 * the outcome) stay; free text such as a summary, which retells the conversation, does not.
 */
export function withoutFreeText(report: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(report).filter(([key, value]) => typeof value === "boolean" || typeof value === "number" || (key === "outcome" && typeof value === "string")),
  );
}
