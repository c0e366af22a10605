import type { DefaultBodyType, StrictRequest } from "msw";

/** A request as MSW hands it to a handler. */
export type VendorRequest = StrictRequest<DefaultBodyType>;

/** One request a fake vendor received, as sent. */
export interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: any;
}

/** A webhook posted to the worker under test: its status and parsed answer. */
export interface Posted {
  status: number;
  body: any;
}

/** How a fake vendor's webhooks reach the worker under test (in the worker's suite, `postWebhook` of test/helpers/http). */
export type PostWebhook = (url: string, body: string, headers: Record<string, string>) => Promise<Posted>;

/**
 * What a fake vendor needs from the suite using it. The fakes import nothing of the worker (only
 * MSW and the vendors' own SDKs), so packages/providers' adapter tests use the same fakes.
 */
export interface FakeVendorOptions {
  /** Needed only to `send` webhooks. */
  post?: PostWebhook;
}

export function webhookPoster(options: FakeVendorOptions): PostWebhook {
  return (url, body, headers) => {
    if (!options.post) throw new Error("this fake vendor was made without `post`: it has no worker to send webhooks to");
    return options.post(url, body, headers);
  };
}
