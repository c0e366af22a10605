/**
 * The call lifecycle. This table is the only authority on how a call may move:
 * the call Durable Object checks every transition against it, and nothing else
 * writes a call's status.
 */
export const CALL_STATUSES = [
  "scheduled", // waiting for its campaign's scheduledAt
  "queued", // waiting for a free line of its tenant
  "initiating",
  "dialing",
  "in-progress",
  "summarizing",
  "completed",
  "failed",
  "canceled", // never dialed: its campaign was cancelled first
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const CALL_TRANSITIONS: Readonly<Record<CallStatus, readonly CallStatus[]>> = {
  scheduled: ["queued", "initiating", "canceled"],
  queued: ["initiating", "canceled"],
  initiating: ["dialing", "failed"],
  dialing: ["in-progress", "failed"],
  "in-progress": ["summarizing", "failed"],
  summarizing: ["completed", "failed"],
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
  "canceled",
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

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
