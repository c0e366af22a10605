import { base64Url } from "../lib/crypto";

/**
 * How long a link handed to an API client works (a message read through /api/v1 or /comms).
 * Reading the message again gives fresh links.
 */
export const FILE_LINK_TTL_SECONDS = 10 * 60;
/**
 * How long a link handed to the messaging provider works: Twilio fetches MMS media right after the
 * send; a text Twilio queues a while still finds its media. Each resend attempt signs afresh.
 */
export const PROVIDER_FILE_LINK_TTL_SECONDS = 15 * 60;
/** How long an export's link works (its file is deleted a day after it was made). */
export const EXPORT_LINK_TTL_SECONDS = 60 * 60;
/** `for` of a link handed to the messaging provider (the others name the API key that read the message). */
export const FOR_PROVIDER = "provider";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

export function hasSigningKey(env: { FILES_SIGNING_KEY?: string }): boolean {
  return (env.FILES_SIGNING_KEY?.length ?? 0) >= 32;
}

/** The secret that signs links; a clear error when the deployment has none. */
export function signingKey(secret: string | undefined): string {
  if (!secret || secret.length < 32) throw new Error("FILES_SIGNING_KEY is not set (or shorter than 32 characters)");
  return secret;
}

/** What a link is for: one file of one tenant, handed to one reader (an API key's id, or `provider`). */
export interface FileLink {
  tenantId: string;
  fileId: string;
  issuedTo: string;
}

async function signature(secret: string, link: FileLink, expires: number): Promise<string> {
  const payload = `file:v2:${link.tenantId}:${link.fileId}:${link.issuedTo}:${expires}`;
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(payload));
  return base64Url(new Uint8Array(mac));
}

/**
 * A link to one attachment of one tenant that works for whoever holds it until it expires:
 * `<base>/files/<fileId>?tenant=<id>&for=<reader>&expires=<unix seconds>&signature=<HMAC>`. The
 * signature covers all of them: the link opens that file of that tenant only, and the audit trail
 * records each use as a read by the link's reader.
 */
export async function signedFileUrl(baseUrl: string, secret: string, link: FileLink, now = Date.now(), ttlSeconds = FILE_LINK_TTL_SECONDS): Promise<string> {
  const expires = Math.floor(now / 1000) + ttlSeconds;
  const sig = await signature(secret, link, expires);
  const query = new URLSearchParams({ tenant: link.tenantId, for: link.issuedTo, expires: String(expires), signature: sig });
  return `${baseUrl}/files/${encodeURIComponent(link.fileId)}?${query}`;
}

/**
 * A link to a tenant's data export (`<base>/exports/<tenant>/<export>?expires=…&signature=…`),
 * signed with the same secret under its own prefix: a file link never opens an export, nor the
 * reverse.
 */
export async function signedExportUrl(baseUrl: string, secret: string, tenantId: string, exportId: string, now = Date.now(), ttlSeconds = EXPORT_LINK_TTL_SECONDS) {
  const expires = Math.floor(now / 1000) + ttlSeconds;
  const sig = await exportSignature(secret, tenantId, exportId, expires);
  return { url: `${baseUrl}/exports/${encodeURIComponent(tenantId)}/${encodeURIComponent(exportId)}?expires=${expires}&signature=${sig}`, expiresAt: expires * 1000 };
}

export async function checkExportLink(secret: string, tenantId: string, exportId: string, expires: string | undefined, sig: string | undefined, now = Date.now()): Promise<LinkCheck> {
  if (!expires || !sig || !/^\d{1,12}$/.test(expires)) return "tampered";
  const expected = await exportSignature(secret, tenantId, exportId, Number(expires));
  if (!constantTimeEqual(expected, sig)) return "tampered";
  return Number(expires) * 1000 <= now ? "expired" : "valid";
}

async function exportSignature(secret: string, tenantId: string, exportId: string, expires: number): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`export:v1:${tenantId}:${exportId}:${expires}`));
  return base64Url(new Uint8Array(mac));
}

export type LinkCheck = "valid" | "tampered" | "expired";

/** Checks the signature first: an altered expiry is tampering, not expiry. */
export async function checkFileLink(
  secret: string,
  link: Partial<FileLink> & { fileId: string },
  expires: string | undefined,
  sig: string | undefined,
  now = Date.now(),
): Promise<LinkCheck> {
  if (!link.tenantId || !link.issuedTo || !expires || !sig || !/^\d{1,12}$/.test(expires)) return "tampered";
  const expected = await signature(secret, link as FileLink, Number(expires));
  if (!constantTimeEqual(expected, sig)) return "tampered";
  return Number(expires) * 1000 <= now ? "expired" : "valid";
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
