/**
 * A small per-isolate cache bounded in size and in age: at most `size` entries (the least recently
 * used goes first) and none older than `ttlMs`. A Map keeps insertion order, so moving an entry to
 * the end on every hit makes the first key the least recently used. The clock is injected for tests.
 */
export class Lru<K, V> {
  private readonly entries = new Map<K, { value: V; at: number }>();

  constructor(
    private readonly size: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (this.now() - entry.at >= this.ttlMs) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value`, stamped now (or at `at`, when the value was read earlier). */
  set(key: K, value: V, at = this.now()) {
    this.entries.delete(key);
    this.entries.set(key, { value, at });
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value as K);
  }

  delete(key: K) {
    this.entries.delete(key);
  }

  /** Drops every entry whose value matches. */
  deleteWhere(matches: (value: V) => boolean) {
    for (const [key, entry] of this.entries) if (matches(entry.value)) this.entries.delete(key);
  }

  clear() {
    this.entries.clear();
  }

  get count() {
    return this.entries.size;
  }
}
