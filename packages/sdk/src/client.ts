import createClient, { type Client, type FetchResponse } from "openapi-fetch";
import type { paths } from "./schema";

export interface SwitchboardOptions {
  /** Where the API is: `https://switchboard.example.com`, `http://localhost:8787`. */
  baseUrl: string;
  /** A tenant's API key, sent as `X-API-Key` on every request. */
  apiKey?: string;
  /** The operator's ADMIN_TOKEN, sent as `Authorization: Bearer` (for `/admin`). */
  adminToken?: string;
  /** Headers for every request (e.g. the console's CSRF header). */
  headers?: Record<string, string>;
  /** A fetch to use instead of the global one (tests, a Worker's service binding). */
  fetch?: (request: Request) => Promise<Response>;
}

/** A client for every documented operation, typed by the OpenAPI document: `client.GET("/api/v1/calls/{callId}", …)`. */
export type SwitchboardClient = Client<paths>;

export function createSwitchboardClient(options: SwitchboardOptions): SwitchboardClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey) headers["X-API-Key"] = options.apiKey;
  if (options.adminToken) headers.Authorization = `Bearer ${options.adminToken}`;
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** An error answer of the API, with its status and the message of its error body. */
export class SwitchboardError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = "SwitchboardError";
  }
}

/** The message of any of the API's error shapes: the envelope, FastAPI's `detail`, VoIPbin's `error.reason`. */
function messageOf(body: unknown, status: number): string {
  if (typeof body === "object" && body !== null) {
    const b = body as { error?: { message?: unknown }; message?: unknown; detail?: unknown };
    if (typeof b.error?.message === "string") return b.error.message;
    if (typeof b.message === "string") return b.message;
    if (typeof b.detail === "string") return b.detail;
  }
  return `HTTP ${status}`;
}

/**
 * The data of a successful answer, or a thrown SwitchboardError:
 * `const call = ok(await client.GET("/api/v1/calls/{callId}", { params: { path: { callId } } }))`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ok<T extends Record<string | number, any>, O, M extends `${string}/${string}`>(result: FetchResponse<T, O, M>) {
  if (result.error !== undefined || !result.response.ok) {
    throw new SwitchboardError(result.response.status, messageOf(result.error, result.response.status), result.error);
  }
  return result.data!;
}
