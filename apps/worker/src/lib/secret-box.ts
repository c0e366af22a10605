import { base64Url } from "./crypto";

/**
 * AES-256-GCM for secrets at rest (vendor API keys, auth tokens). The key is a deployment secret,
 * `SECRETS_KEY`: 32 bytes, base64. Sealed values are `v1.<iv>.<ciphertext>` (base64url), so the
 * format can change without guessing. `context` (e.g. "tenant:<id>:retell") is bound as
 * additional data: a value copied to another row does not open there.
 */
export async function seal(plaintext: string, secretsKey: string, context: string): Promise<string> {
  const key = await importKey(secretsKey);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return `v1.${base64Url(iv)}.${base64Url(new Uint8Array(data))}`;
}

export async function open(sealed: string, secretsKey: string, context: string): Promise<string> {
  const [version, iv, data] = sealed.split(".");
  if (version !== "v1" || !iv || !data) throw new Error("unknown sealed-value format");
  const key = await importKey(secretsKey);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: new TextEncoder().encode(context) },
    key,
    fromBase64Url(data),
  );
  return new TextDecoder().decode(plain);
}

const keys = new Map<string, Promise<CryptoKey>>();

function importKey(secretsKey: string): Promise<CryptoKey> {
  let key = keys.get(secretsKey);
  if (!key) {
    const raw = Uint8Array.from(atob(secretsKey), (c) => c.charCodeAt(0));
    if (raw.length !== 32) throw new Error("SECRETS_KEY must be 32 bytes, base64-encoded");
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(secretsKey, key);
  }
  return key;
}

function fromBase64Url(value: string): Uint8Array {
  const b64 = value.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}
