import { sha256Hex } from "../lib/crypto";

/**
 * What makes two requests "the same" for an Idempotency-Key: method, path and query, and the body.
 * JSON bodies are compared by value (key order and whitespace do not matter), anything else byte
 * for byte.
 */
export async function requestFingerprint(method: string, url: string, body: string): Promise<string> {
  const { pathname, search } = new URL(url);
  return sha256Hex(`${method} ${pathname}${search}\n${canonicalBody(body)}`);
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
