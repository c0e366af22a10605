import { DEFAULT_RETRY_SETTINGS, RetrySettings, type RetryableOutcome } from "@switchboard/schemas";

/** What a call object needs from its agent to run attempts: retries and the watchdog. */
export interface AttemptPolicy {
  maxAttempts: number;
  spacingMs: number;
  retryOn: readonly RetryableOutcome[];
  /** A call live longer than this (from dispatch) is ended by the watchdog. */
  maxDurationMs: number;
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
