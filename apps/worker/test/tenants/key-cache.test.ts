import { describe, expect, it } from "vitest";
import { ApiKeyCache, API_KEY_CACHE_TTL_MS, type KeyGrant } from "../../src/tenants/key-cache";

/*
 * The per-isolate cache of active API keys, with an injected clock and a counted fake of the D1
 * read. Over HTTP (test/http/key-cache.security.test.ts) the same rules hold against the real read.
 */

function grant(id: string, tenantId: string): KeyGrant {
  return { id, tenantId, surface: null, requestsPerSecond: null, requestBurst: null, callsPerMinute: null, maxWebhookEndpoints: null, shard: null, writesHeldAt: null };
}

function setup(size = 4) {
  let now = 1_000_000;
  const rows = new Map<string, KeyGrant>([
    ["hash-a", grant("key-a", "tenant-a")],
    ["hash-a2", grant("key-a2", "tenant-a")],
    ["hash-b", grant("key-b", "tenant-b")],
  ]);
  const reads: string[] = [];
  const cache = new ApiKeyCache(() => now, API_KEY_CACHE_TTL_MS, size);
  const resolve = (hash: string) =>
    cache.resolve(hash, async () => {
      reads.push(hash);
      return rows.get(hash);
    });
  return { cache, rows, reads, resolve, advance: (ms: number) => (now += ms) };
}

describe("the API key cache", () => {
  it("reads an active key once, then answers from memory until the TTL, then reads again", async () => {
    const { resolve, reads, advance } = setup();
    expect(await resolve("hash-a")).toMatchObject({ id: "key-a", tenantId: "tenant-a" });
    advance(API_KEY_CACHE_TTL_MS - 1);
    expect(await resolve("hash-a")).toMatchObject({ id: "key-a" });
    expect(reads).toEqual(["hash-a"]);
    advance(1);
    await resolve("hash-a");
    expect(reads).toEqual(["hash-a", "hash-a"]);
  });

  it("never keeps an unknown or revoked key: it is read again every time, and fills nothing", async () => {
    const { cache, resolve, reads } = setup();
    expect(await resolve("hash-unknown")).toBeUndefined();
    expect(await resolve("hash-unknown")).toBeUndefined();
    expect(reads).toEqual(["hash-unknown", "hash-unknown"]);
    expect(cache.size).toBe(0);
  });

  it("a flood of invalid keys does not evict the known ones", async () => {
    const { cache, resolve, reads } = setup(2);
    await resolve("hash-a");
    await resolve("hash-b");
    for (let i = 0; i < 500; i++) expect(await resolve(`hash-bad-${i}`)).toBeUndefined();
    reads.length = 0;
    await resolve("hash-a");
    await resolve("hash-b");
    expect(reads).toEqual([]);
    expect(cache.size).toBe(2);
  });

  it("is bounded: past its size the least recently used key goes first", async () => {
    const { cache, resolve, reads } = setup(2);
    await resolve("hash-a");
    await resolve("hash-b");
    await resolve("hash-a"); // a is now the most recently used
    await resolve("hash-a2"); // evicts b
    expect(cache.size).toBe(2);
    reads.length = 0;
    await resolve("hash-a");
    await resolve("hash-a2");
    expect(reads).toEqual([]);
    await resolve("hash-b");
    expect(reads).toEqual(["hash-b"]);
  });

  it("resolves a key only to its own row, by its full hash", async () => {
    const { resolve } = setup();
    await resolve("hash-a");
    await resolve("hash-b");
    expect((await resolve("hash-a"))?.tenantId).toBe("tenant-a");
    expect((await resolve("hash-b"))?.tenantId).toBe("tenant-b");
    // A hash that shares a prefix with a cached one is a different key.
    expect(await resolve("hash-")).toBeUndefined();
    expect(await resolve("hash-a ")).toBeUndefined();
  });

  it("forgets a revoked key at once, and a tenant's keys (only that tenant's) on an operator change", async () => {
    const { cache, rows, resolve, reads } = setup();
    for (const hash of ["hash-a", "hash-a2", "hash-b"]) await resolve(hash);
    rows.delete("hash-a");
    cache.forgetKey("hash-a");
    expect(await resolve("hash-a")).toBeUndefined();

    rows.set("hash-a2", { ...rows.get("hash-a2")!, requestBurst: 2 });
    cache.forgetTenant("tenant-a");
    reads.length = 0;
    expect(await resolve("hash-a2")).toMatchObject({ requestBurst: 2 });
    await resolve("hash-b");
    expect(reads).toEqual(["hash-a2"]);
  });

  it("a read that began before a forget does not put the forgotten key back", async () => {
    const { cache } = setup();
    let answer!: (row: KeyGrant) => void;
    const slow = cache.resolve("hash-a", () => new Promise<KeyGrant>((resolve) => (answer = resolve)));
    // Revoked while the read (which saw the key still active) was on its way.
    cache.forgetKey("hash-a");
    answer(grant("key-a", "tenant-a"));
    await slow;
    expect(cache.size).toBe(0);
  });
});
