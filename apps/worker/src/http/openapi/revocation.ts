import { API_KEY_CACHE_TTL_MS } from "../../tenants/key-cache";

/** What a revoke route says of when the key stops working (each server instance caches active keys briefly). */
export const REVOCATION =
  `The key is refused at once by the server instance that revokes it, and by every other within ${API_KEY_CACHE_TTL_MS / 1000} seconds ` +
  "(each keeps the active keys it has seen for that long, so most requests do not wait on a database read to be authenticated).";
