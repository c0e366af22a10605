import { parseRetryAfter } from "./retry-schedule";
import { webhookHeaders } from "./signing";

export interface AttemptOutcome {
  ok: boolean;
  /** The endpoint answered 410 Gone: it asks never to be called again. */
  gone: boolean;
  statusCode: number | null;
  /** A short reason for a failure (never the customer's response body). */
  error: string | null;
  retryAfterMs: number | null;
  durationMs: number;
}

export interface AttemptRequest {
  url: string;
  eventId: string;
  body: string;
  secrets: readonly string[];
  now: number;
  timeoutMs: number;
}

/**
 * One signed POST. Redirects are not followed (a redirect could lead anywhere, including inside a
 * network) and count as failures; only 2xx succeeds. Never throws.
 */
export async function sendAttempt(request: AttemptRequest): Promise<AttemptOutcome> {
  const started = Date.now();
  const headers = await webhookHeaders(request.secrets, request.eventId, Math.floor(request.now / 1000), request.body);
  try {
    const res = await fetch(request.url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": "Switchboard-Webhooks/1.0" },
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    // The body is the customer's business; drain it so the connection is released.
    await res.body?.cancel().catch(() => {});
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok,
      gone: res.status === 410,
      statusCode: res.status,
      error: ok ? null : res.status >= 300 && res.status < 400 ? `redirect not followed (HTTP ${res.status})` : `HTTP ${res.status}`,
      retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), request.now),
      durationMs: Date.now() - started,
    };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return {
      ok: false,
      gone: false,
      statusCode: null,
      error: timedOut ? `timed out after ${request.timeoutMs} ms` : "connection failed",
      retryAfterMs: null,
      durationMs: Date.now() - started,
    };
  }
}

/** An attempt we refused to make (the URL no longer passes the SSRF check). */
export function refusedAttempt(reason: string): AttemptOutcome {
  return { ok: false, gone: false, statusCode: null, error: `not sent: ${reason}`, retryAfterMs: null, durationMs: 0 };
}
