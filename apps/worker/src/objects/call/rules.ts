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
  const event = !answered && incoming.ifUnanswered ? { ...incoming.ifUnanswered, ...vendorTimes(incoming) } : incoming;
  const path = event.status && !isTerminal(state.status) ? pathTo(state.status, event.status) : null;
  if (!path || !event.status) return fill(log, event);
  const moved = walk(log, { ...event, status: event.status }, path, options);
  takeVendorTimes(state, event);
  return moved;
}

function walk(log: CallLog, event: ProviderEvent & { status: CallStatus }, path: CallStatus[], options: { via?: string }): boolean {
  const state = log.state!;
  const type = options.via === "reconciliation" ? "provider.reconciled" : options.via === "watchdog" ? "watchdog" : "provider.status";
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
  const fields: string[] = takeVendorTimes(state, event);
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

/**
 * When the vendor reports the call's start and end, those are the call's times (and so its
 * duration), in every surface, whatever order its webhooks arrive in. Returns the fields changed.
 */
function takeVendorTimes(state: CallState, event: ProviderEvent): string[] {
  const changed: string[] = [];
  if (event.startedAt !== undefined && event.startedAt !== state.startedAt) {
    state.startedAt = event.startedAt;
    changed.push("started_at");
  }
  // An end only means something once the line is down.
  const down = state.status === "summarizing" || state.status === "awaiting-retry" || isTerminal(state.status);
  if (event.endedAt !== undefined && down && event.endedAt !== state.endedAt) {
    state.endedAt = event.endedAt;
    changed.push("ended_at");
  }
  return changed;
}

function vendorTimes(event: ProviderEvent): Pick<ProviderEvent, "startedAt" | "endedAt"> {
  return { ...(event.startedAt !== undefined ? { startedAt: event.startedAt } : {}), ...(event.endedAt !== undefined ? { endedAt: event.endedAt } : {}) };
}

/** How long a call may go unanswered from dispatch (placing, ringing) before the watchdog ends it; carriers give up on a ringing line well before. */
export const RING_LIMIT_MS = 5 * 60_000;
/** Slack after the agent's maximum talk time: the vendor ends the call itself at the maximum, and its news takes a moment. */
export const TALK_GRACE_MS = 2 * 60_000;
/** A summarizing call whose vendor sends no report is completed without one after this long. */
export const REPORT_GRACE_MS = 15 * 60_000;

/**
 * When the watchdog ends a call that is still in `to`, for a vendor gone quiet. Each stage has its
 * own limit, so only talk time counts against the agent's maximum: ringing has the ring limit
 * (from dispatch), summarizing the report grace (then the call completes without a report).
 */
function watchdogDeadline(state: CallState, to: CallStatus, now: number): number | null {
  switch (to) {
    case "initiating":
      return now + RING_LIMIT_MS;
    case "dialing":
      return state.watchdogAt ?? now + RING_LIMIT_MS;
    case "in-progress":
      return now + state.policy.maxDurationMs + TALK_GRACE_MS;
    case "summarizing":
      return now + REPORT_GRACE_MS;
    default:
      return null;
  }
}

/** The single place a status changes. Throws on a transition the lifecycle table forbids. */
export function move(log: CallLog, to: CallStatus, type: string, detail?: Record<string, unknown>, now = Date.now()) {
  const state = log.state!;
  const from = state.status;
  if (!canTransition(from, to)) throw new Error(`illegal call transition ${from} -> ${to}`);
  state.status = to;
  if ((to === "dialing" || to === "in-progress") && state.startedAt === null) state.startedAt = now;
  if (to === "in-progress" && !state.answeredAt) state.answeredAt = now;
  // The line is down once the call is summarizing, has ended, or this attempt has.
  if ((to === "summarizing" || to === "awaiting-retry" || isTerminal(to)) && state.endedAt === null) state.endedAt = now;
  state.watchdogAt = watchdogDeadline(state, to, now);
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
  // One clock reading: the history's time and the next attempt's are exactly the spacing apart.
  const now = Date.now();
  const nextAttemptAt = now + state.policy.spacingMs;
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
  }, now);
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

/**
 * A live call past its stage's limit (its provider went quiet): one still unanswered, or talking
 * past its agent's maximum, is ended `failed`; one summarizing without a report is completed with
 * what we know. Returns the provider call to drop, if any.
 */
export function watchdog(log: CallLog, now: number): string | null {
  const state = log.state;
  if (!state || state.watchdogAt === null || state.watchdogAt > now || !LIVE_STATUSES.includes(state.status)) return null;
  log.script = [];
  if (state.status === "summarizing") {
    const outcome = state.outcome ?? "human";
    apply(log, { status: "completed", outcome, finalReport: { outcome, report: "none received from the provider" } }, { via: "watchdog" });
    return null;
  }
  const stage = state.status;
  const limit = stage === "in-progress" ? { maxDurationSeconds: Math.round(state.policy.maxDurationMs / 1000) } : { ringLimitSeconds: RING_LIMIT_MS / 1000 };
  end(log, "failed", "provider_error", "watchdog", { attempt: state.attempt, stage, ...limit });
  return state.providerCallId;
}

/** Planning an attempt (reading the call's vendors, opening credentials) fails this often before the attempt ends failed. */
export const PLANNING_TRIES = 3;
/** After a planning failure, when to try again. */
const PLANNING_RETRY_MS = [10_000, 30_000];
/** How long the vendors' news may take to show a restarted object where a dial it lost track of went. */
export const UNKNOWN_PLACEMENT_GRACE_MS = 60_000;

/**
 * What the alarm must do about the attempt being placed, when this object is not placing it (any
 * more): plan again (no vendor was asked), or give it up (a vendor may have dialed; nobody knows).
 * A marker left from an attempt that has moved on is dropped.
 */
export function placementDue(state: CallState, now: number): "plan" | "lost" | null {
  const placement = state.placement;
  if (!placement) return null;
  if (state.status !== "initiating" || placement.attempt !== state.attempt) {
    state.placement = null;
    return null;
  }
  if (placement.dueAt > now) return null;
  return placement.phase === "planning" ? "plan" : "lost";
}

/** Planning failed before any vendor was asked: try again shortly, or end the attempt after `PLANNING_TRIES`. */
export function planningFailed(log: CallLog, reason: string, now: number) {
  const state = log.state!;
  const placement = state.placement!;
  placement.failures += 1;
  if (placement.failures >= PLANNING_TRIES) {
    state.placement = null;
    end(log, "failed", "provider_error", "placement.failed", { attempt: state.attempt, failures: placement.failures, reason });
    return;
  }
  placement.dueAt = now + PLANNING_RETRY_MS[Math.min(placement.failures, PLANNING_RETRY_MS.length) - 1]!;
  log.note("placement.retry", { attempt: state.attempt, failures: placement.failures, reason, nextTryAt: new Date(placement.dueAt).toISOString() });
}

/**
 * The object restarted while a vendor was being asked, and no news of that dial came since: the
 * attempt ends `failed`, saying so. It is never dialed again (the patient may have been called).
 */
export function placementLost(log: CallLog) {
  const state = log.state!;
  const provider = state.provider;
  state.placement = null;
  end(log, "failed", "provider_error", "placement.unknown", {
    attempt: state.attempt,
    provider,
    reason: "the call object restarted while the provider was placing the call, and the provider sent no news of it",
  });
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
