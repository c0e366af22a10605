import { ProviderError } from "./types";

/** How an adapter reaches its vendor: the fetch to use (tests put fake vendors behind it) and a timeout. */
export interface VendorHttp {
  fetch: typeof fetch;
  timeoutMs: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Statuses that say our request was wrong: another vendor would refuse it too, so no failover. */
const BAD_INPUT = new Set([400, 404, 409, 413, 415, 422]);
/** Words in a vendor's refusal that mean the number itself is the problem. */
const NUMBER_PROBLEM = /(number|destination|e\.?164|to_number|sip_call_to|callee)/i;

/**
 * One request to a vendor. Network failures and timeouts become retryable ProviderErrors; non-2xx
 * answers are classified by `refusal`. The vendor's body never goes into the error's message (it can
 * echo the patient's number), only its status and a short code.
 */
export async function vendorRequest(http: VendorHttp, vendor: string, url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await http.fetch(url, { ...init, signal: AbortSignal.timeout(http.timeoutMs) });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new ProviderError(timedOut ? `${vendor} did not answer within ${http.timeoutMs} ms` : `${vendor} unreachable`, true);
  }
  if (!response.ok) throw await refusal(vendor, response);
  return response;
}

export async function refusal(vendor: string, response: Response): Promise<ProviderError> {
  const text = await response.text().catch(() => "");
  const status = response.status;
  if (BAD_INPUT.has(status)) {
    const outcome = NUMBER_PROBLEM.test(text) ? "invalid_number" : "provider_error";
    return new ProviderError(`${vendor} rejected the request (HTTP ${status}${outcome === "invalid_number" ? ", invalid number" : ""})`, false, status, outcome);
  }
  const why = status === 429 ? "at its concurrency or rate limit" : status >= 500 ? "failing" : "refused our account";
  return new ProviderError(`${vendor} ${why} (HTTP ${status})`, true, status);
}

export async function jsonOf<T>(vendor: string, response: Response): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch {
    throw new ProviderError(`${vendor} answered with a body that is not JSON`, true, response.status);
  }
}

export function jsonInit(method: string, body: unknown, headers: Record<string, string>): RequestInit {
  return { method, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) };
}

/** The vendor's base URL without a trailing slash. */
export function baseOf(configured: string | null | undefined, fallback: string): string {
  return (configured || fallback).replace(/\/+$/, "");
}
