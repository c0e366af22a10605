import { describe, expect, it } from "vitest";
// What scripts/move-tenant.mjs waits for, after holding a tenant's writes and after the flip.
import { HOLD_WAIT_MS } from "../../../../scripts/lib/move-timing.mjs";
import { DIRECTORY_CACHE_MS } from "../../src/shards/directory";
import { API_KEY_CACHE_TTL_MS } from "../../src/tenants/key-cache";

describe("moving a tenant outwaits every cache of where it lives", () => {
  it("holds writes (and keeps the old shard) well beyond the directory's and the API keys' caches", () => {
    // Requests resolve the tenant's shard and writes-held flag with their key (cached per isolate);
    // Durable Objects and the cron through the directory's own cache.
    expect(HOLD_WAIT_MS).toBeGreaterThanOrEqual(2 * API_KEY_CACHE_TTL_MS);
    // A third again for requests in flight when the cache turns.
    expect(HOLD_WAIT_MS).toBeGreaterThanOrEqual(1.5 * DIRECTORY_CACHE_MS);
  });
});
