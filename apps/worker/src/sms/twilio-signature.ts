import { secretsEqual } from "../lib/crypto";

const encoder = new TextEncoder();

/**
 * Twilio's X-Twilio-Signature: HMAC-SHA1 with the account's auth token over the full URL followed
 * by every POST parameter, sorted by name, as name + value (a repeated name contributes each of its
 * distinct values, sorted), base64-encoded.
 */
export async function twilioSignature(authToken: string, url: string, params: Iterable<[string, string]>): Promise<string> {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of params) {
    let values = byName.get(name);
    if (!values) byName.set(name, (values = new Set()));
    values.add(value);
  }
  let data = url;
  for (const name of [...byName.keys()].sort()) {
    for (const value of [...byName.get(name)!].sort()) data += name + value;
  }
  const key = await crypto.subtle.importKey("raw", encoder.encode(authToken), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(data)));
  let binary = "";
  for (const b of mac) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * Whether `signature` is Twilio's for this request. Like Twilio's own libraries, the URL is tried as
 * received, without its port and with the scheme's default port, since proxies add or drop them.
 */
export async function verifyTwilioSignature(authToken: string, signature: string | undefined, urls: readonly string[], params: [string, string][]): Promise<boolean> {
  if (!signature) return false;
  const candidates = new Set(urls.flatMap((url) => [url, withoutPort(url), withDefaultPort(url)]));
  for (const url of candidates) {
    if (await secretsEqual(await twilioSignature(authToken, url, params), signature)) return true;
  }
  return false;
}

function withoutPort(url: string): string {
  return url.replace(/^(https?:\/\/[^/:?#]+):\d+/i, "$1");
}

function withDefaultPort(url: string): string {
  const match = /^(https?):\/\/([^/:?#]+)(?=[/?#]|$)/i.exec(url);
  if (!match) return url;
  const port = match[1]!.toLowerCase() === "https" ? 443 : 80;
  return `${match[0]}:${port}${url.slice(match[0].length)}`;
}
