// How long scripts/move-tenant.mjs waits for caches: after holding a tenant's writes (so no
// isolate still writes to the old shard) and again after flipping the directory (so no isolate still
// reads the old shard before it is cleaned). It must stay well above every cache of the directory:
// Durable Objects' and the cron's (`DIRECTORY_CACHE_MS`, 10 s) and the API-key cache requests
// resolve their tenant's shard from (`API_KEY_CACHE_TTL_MS`, 5 s); test/shards/move-timing.test.ts
// holds it to that.
export const HOLD_WAIT_MS = 15_000;
