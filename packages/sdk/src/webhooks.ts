import type { webhooks } from "./schema";

/** Every event Switchboard POSTs to a webhook endpoint, as documented under `webhooks` in /openapi.json. */
export type WebhookEvent = {
  [T in keyof webhooks]: webhooks[T]["post"] extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;
}[keyof webhooks];

export class WebhookVerificationError extends Error {
  override name = "WebhookVerificationError";
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

const encoder = new TextEncoder();

function base64ToBytes(value: string): Uint8Array<ArrayBuffer> {
  const binary = atob(value);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Equal in time independent of where they differ. */
function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Checks a delivery's Standard Webhooks signature and returns its event. `secret` is the
 * endpoint's `whsec_…` secret; `body` the raw request body, exactly as received; `headers` the
 * request's headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`). Deliveries more than
 * `toleranceSeconds` (5 minutes) from now are refused, so a captured request cannot be replayed
 * later. During a secret rotation either secret's signature is accepted. Works in Node 20+,
 * browsers and Workers (Web Crypto).
 */
export async function verifyWebhook(
  secret: string,
  body: string,
  headers: HeaderSource,
  options: { toleranceSeconds?: number; now?: Date } = {},
): Promise<WebhookEvent> {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError("Missing webhook-id, webhook-timestamp or webhook-signature");
  const seconds = Number(timestamp);
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (!Number.isInteger(seconds) || Math.abs(now - seconds) > (options.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError("webhook-timestamp is missing, malformed or too far from now");
  }
  const key = await crypto.subtle.importKey(
    "raw",
    base64ToBytes(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const expected = bytesToBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestamp}.${body}`))));
  const matches = signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    return version === "v1" && signature !== undefined && sameString(signature, expected);
  });
  if (!matches) throw new WebhookVerificationError("No webhook-signature matches the secret");
  return JSON.parse(body) as WebhookEvent;
}
