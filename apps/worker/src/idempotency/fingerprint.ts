import { sha256Hex, toHex } from "../lib/crypto";

/**
 * What makes two requests "the same" for an Idempotency-Key: method, path and query, and the body.
 * JSON bodies are compared by value (key order and whitespace do not matter), anything else byte
 * for byte.
 */
export async function requestFingerprint(method: string, url: string, body: string | ArrayBuffer): Promise<string> {
  const { pathname, search } = new URL(url);
  const text = typeof body === "string" ? body : utf8(body);
  // Not text (a multipart body with an image): decoding would map different bytes to the same
  // replacement characters, so two different uploads could look like one. Hash the bytes themselves.
  const canonical = text ?? `bytes:${toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", body as ArrayBuffer)))}`;
  return sha256Hex(`${method} ${pathname}${search}\n${text === undefined ? canonical : canonicalBody(canonical)}`);
}

function utf8(bytes: ArrayBuffer): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

function canonicalBody(body: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(body)));
  } catch {
    return body;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
