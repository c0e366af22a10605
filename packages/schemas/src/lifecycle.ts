/**
 * The call lifecycle. This table is the only authority on how a call may move:
 * the call Durable Object checks every transition against it. Calls its object has not taken yet
 * (scheduled or queued, never dialed) are moved in bulk by the campaign release and cancel
 * statements, which check the same table and compare-and-set on the status in SQL.
 */
export const CALL_STATUSES = [
  "scheduled", // waiting for its campaign's scheduledAt
  "queued", // waiting for a free line of its tenant, or for the patient's calling hours
  "initiating",
  "dialing",
  "in-progress",
  "summarizing",
  "awaiting-retry", // an attempt went unanswered; the next one waits out its spacing in the tenant's queue
  "completed",
  "failed",
  "canceled", // not dialed (again): its campaign was canceled, or the contact policy refused it
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const CALL_TRANSITIONS: Readonly<Record<CallStatus, readonly CallStatus[]>> = {
  scheduled: ["queued", "initiating", "canceled"],
  queued: ["initiating", "canceled"],
  initiating: ["dialing", "failed", "awaiting-retry"],
  dialing: ["in-progress", "failed", "awaiting-retry"],
  "in-progress": ["summarizing", "failed", "awaiting-retry"],
  summarizing: ["completed", "failed", "awaiting-retry"],
  "awaiting-retry": ["initiating", "canceled"],
  completed: [],
  failed: [],
  canceled: [],
};

export function canTransition(from: CallStatus, to: CallStatus): boolean {
  return CALL_TRANSITIONS[from].includes(to);
}

/** Statuses in which a call holds a line: it has been handed to a provider and has not ended. */
export const LIVE_STATUSES: readonly CallStatus[] = ["initiating", "dialing", "in-progress", "summarizing"];

/** Statuses from which `DELETE /api/v1/calls/{id}` may hang a call up (as the Calls API documents). */
export const HANGUP_STATUSES: readonly CallStatus[] = ["initiating", "dialing", "in-progress"];

/** Statuses of a call that has not ended and holds no line: it waits for its time, a line, or its next attempt. */
export const WAITING_STATUSES: readonly CallStatus[] = ["scheduled", "queued", "awaiting-retry"];

export const TERMINAL_STATUSES: readonly CallStatus[] = ["completed", "failed", "canceled"];

export function isTerminal(status: CallStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/**
 * What happened on the line, normalized across vendors. A status says where the call is;
 * the outcome says how it ended.
 */
export const CALL_OUTCOMES = [
  "human", // a person answered and the conversation took place
  "voicemail",
  "no_answer",
  "busy",
  "invalid_number",
  "transferred",
  "hung_up_by_api",
  "provider_error",
  "canceled", // its campaign was canceled before it was dialed
  "refused", // the contact policy refused it (opted out, do-not-call, no consent, ...): never dialed; the call's policy says why
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** Outcomes that mean nobody took the call: the only ones an agent's retry policy may try again. */
export const RETRYABLE_OUTCOMES = ["no_answer", "busy", "voicemail"] as const satisfies readonly CallOutcome[];
export type RetryableOutcome = (typeof RETRYABLE_OUTCOMES)[number];

/** Statuses only the call object decides on; a vendor never reports them, so `pathTo` never steps through them. */
const DECIDED_STATUSES: readonly CallStatus[] = ["awaiting-retry"];

/**
 * The statuses to step through to move a call from `from` to `to` (excluding `from`), following
 * only edges of CALL_TRANSITIONS; null when `to` cannot be reached (backwards or illegal).
 * Vendors often report only some stages (ringing, then ended); this fills in the rest.
 */
export function pathTo(from: CallStatus, to: CallStatus): CallStatus[] | null {
  if (from === to) return null;
  const previous = new Map<CallStatus, CallStatus>();
  const queue: CallStatus[] = [from];
  while (queue.length) {
    const current = queue.shift()!;
    for (const next of CALL_TRANSITIONS[current]) {
      if (next === from || previous.has(next)) continue;
      if (next !== to && DECIDED_STATUSES.includes(next)) continue;
      previous.set(next, current);
      if (next === to) {
        const path: CallStatus[] = [to];
        let step = current;
        while (step !== from) {
          path.unshift(step);
          step = previous.get(step)!;
        }
        return path;
      }
      queue.push(next);
    }
  }
  return null;
}
