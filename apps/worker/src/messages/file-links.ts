import { base64Url } from "../lib/crypto";

/** How long a link to an attachment works. Reading a message again gives fresh links. */
export const FILE_LINK_TTL_SECONDS = 60 * 60;

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

/** What a link opens: an attachment, or a tenant's data export (a link for one never opens the other). */
type LinkPurpose = "file" | "export";

async function signature(secret: string, fileId: string, expires: number, purpose: LinkPurpose = "file"): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`${purpose}:${fileId}:${expires}`));
  return base64Url(new Uint8Array(mac));
}

/**
 * A link to one attachment that works for whoever holds it (a clinic's app, an MMS provider
 * fetching media) until it expires: `<base>/files/<fileId>?expires=<unix seconds>&signature=<HMAC>`.
 */
export async function signedFileUrl(baseUrl: string, secret: string, fileId: string, now = Date.now(), ttlSeconds = FILE_LINK_TTL_SECONDS): Promise<string> {
  const expires = Math.floor(now / 1000) + ttlSeconds;
  const sig = await signature(secret, fileId, expires);
  return `${baseUrl}/files/${encodeURIComponent(fileId)}?expires=${expires}&signature=${sig}`;
}

/** A link to a tenant's export (`<base>/exports/<tenant>/<export>?expires=…&signature=…`), signed like attachment links. */
export async function signedExportUrl(baseUrl: string, secret: string, tenantId: string, exportId: string, now = Date.now(), ttlSeconds = FILE_LINK_TTL_SECONDS) {
  const expires = Math.floor(now / 1000) + ttlSeconds;
  const sig = await signature(secret, `${tenantId}/${exportId}`, expires, "export");
  return { url: `${baseUrl}/exports/${encodeURIComponent(tenantId)}/${encodeURIComponent(exportId)}?expires=${expires}&signature=${sig}`, expiresAt: expires * 1000 };
}

export function checkExportLink(secret: string, tenantId: string, exportId: string, expires: string | undefined, sig: string | undefined, now = Date.now()) {
  return checkFileLink(secret, `${tenantId}/${exportId}`, expires, sig, now, "export");
}

export type LinkCheck = "valid" | "tampered" | "expired";

/** Checks the signature first: an altered expiry is tampering, not expiry. */
export async function checkFileLink(
  secret: string, fileId: string, expires: string | undefined, sig: string | undefined, now = Date.now(), purpose: LinkPurpose = "file",
): Promise<LinkCheck> {
  if (!expires || !sig || !/^\d{1,12}$/.test(expires)) return "tampered";
  const expected = await signature(secret, fileId, Number(expires), purpose);
  if (!constantTimeEqual(expected, sig)) return "tampered";
  return Number(expires) * 1000 <= now ? "expired" : "valid";
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
