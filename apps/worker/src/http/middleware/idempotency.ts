import { createMiddleware } from "hono/factory";
import { HttpError } from "../errors";
import { requestFingerprint } from "../../idempotency/fingerprint";
import { claimKey, completeKey, releaseKey, type StoredResponse } from "../../idempotency/store";
import type { AppEnv } from "../context";
import { errorSummary } from "../../lib/log-safe";

/** Printable ASCII, as the IETF Idempotency-Key draft and the usual clients (UUIDs) have it. */
const VALID_KEY = /^[\x21-\x7e]{1,255}$/;
/** Response headers worth replaying; the rest (request id, dates) belong to each request. */
const KEPT_HEADERS = ["content-type", "location", "retry-after"];

/**
 * `Idempotency-Key` on POST: the first response for a tenant's key is stored for 24 hours and
 * replayed to any retry with the same request, without running anything again. The same key with a
 * different request is a 422; while the first request still runs, a retry gets 409. Responses of
 * 500 and above, and 429s (a limit that frees up), are not kept (the key is released so the client
 * may retry). Mount it after the
 * middleware that authenticates the tenant.
 *
 * Placing calls records its batch on the key in the same D1 batch that creates the calls
 * (calls/place.ts): after that, a retry of a request that failed later (reading the call back,
 * storing the response) is answered from that batch and never places anything again.
 */
export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method !== "POST") return next();
  const key = c.req.header("Idempotency-Key");
  if (key === undefined) return next();
  if (!VALID_KEY.test(key)) throw new HttpError(400, "Idempotency-Key must be 1 to 255 printable ASCII characters");
  const tenantId = c.get("tenantId");
  // A wiring mistake, not a client error: refuse rather than silently run without the guarantee.
  if (!tenantId) throw new Error("idempotency middleware mounted before tenant authentication");
  const secretsKey = c.env.SECRETS_KEY;
  if (!secretsKey) throw new Error("SECRETS_KEY is not configured: idempotent responses cannot be stored");

  // Bytes, not c.req.text(): Hono caches the body in the first form read, and later reads (the
  // route's form parser) are rebuilt from it. Cached as text, a multipart upload's binary file came
  // back through UTF-8 replacement characters: the image was corrupted and refused as a bad type.
  const fingerprint = await requestFingerprint(c.req.method, c.req.url, await c.req.arrayBuffer());
  const claim = await claimKey(c.var.db.$client, secretsKey, tenantId, key, fingerprint, Date.now());
  if (claim.kind === "mismatch") {
    throw new HttpError(422, "This Idempotency-Key was already used with a different request; use a new key for a new request");
  }
  if (claim.kind === "in_progress") {
    c.header("Retry-After", "1");
    throw new HttpError(409, "A request with this Idempotency-Key is still being processed; retry shortly");
  }
  if (claim.kind === "replay") return replay(claim.response);

  // What the use case needs to record the key's outcome with the calls it places (scopeOf).
  c.set("idempotencyClaim", { tenantId, key, token: claim.token, committedBatchId: claim.batchId });
  try {
    await next();
  } catch (error) {
    await letGo(c.var.db.$client, tenantId, key, claim.token);
    throw error;
  }
  if (c.res.status >= 500 || c.res.status === 429) {
    await letGo(c.var.db.$client, tenantId, key, claim.token);
    return;
  }
  // Rebuilt from calls an earlier request with this key placed: say so, as for a stored answer.
  if (claim.batchId !== null) c.res.headers.set("Idempotent-Replayed", "true");
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = c.res.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  try {
    await completeKey(c.var.db.$client, secretsKey, tenantId, key, claim.token, { status: c.res.status, headers, body: await c.res.clone().text() });
  } catch (error) {
    // The request did what it answers; failing it now would only invite a retry. A retry is safe
    // anyway: calls placed under this key are answered from their batch, never placed again.
    console.error(JSON.stringify({ level: "error", msg: "storing an idempotent response failed", requestId: c.get("requestId"), error: errorSummary(error) }));
    await letGo(c.var.db.$client, tenantId, key, claim.token);
  }
});

/** Releases the key for a retry; if even that fails the claim's lease runs out by itself. */
async function letGo(db: D1Database, tenantId: string, key: string, token: string) {
  try {
    await releaseKey(db, tenantId, key, token);
  } catch (error) {
    console.error(JSON.stringify({ level: "warn", msg: "releasing an Idempotency-Key failed; its lease runs out", error: errorSummary(error) }));
  }
}

function replay(stored: StoredResponse): Response {
  const headers = new Headers(stored.headers);
  headers.set("Idempotent-Replayed", "true");
  if (stored.body === null) {
    headers.set("content-type", "application/json");
    const note = { replayed: true, status: stored.status, message: "The original response was too large to keep; the request was not run again" };
    return new Response(JSON.stringify(note), { status: stored.status, headers });
  }
  return new Response(stored.body, { status: stored.status, headers });
}
