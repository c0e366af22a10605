// `pnpm bench` only: sums D1's own `meta` (rows read, rows written, statements, database size) over
// every statement the worker and its Durable Objects run, whichever D1 method ran it.
//
// D1's `first()` and `raw()` (drizzle's selects) drop `meta`, so wrapping the binding's public
// methods would miss most reads. Instead this wraps the two internal methods every D1 call of the
// runtime goes through (the session's `_sendOrThrow` and `_queryOrThrow`; one of them answers per
// runtime version), once per isolate: locally the worker and its Durable Objects share the isolate,
// so one meter sees the whole life of a call. If a runtime upgrade renames them, `install` throws
// rather than report zeros. Statements starting with `/*bench*/` are the bench's own and not counted.

export interface D1Totals {
  /** D1 calls (a batch is one): round trips, each a subrequest of its invocation. */
  calls: number;
  statements: number;
  rowsRead: number;
  rowsWritten: number;
}

const totals: D1Totals = { calls: 0, statements: 0, rowsRead: 0, rowsWritten: 0 };
/** The same sums per SQL text, to say which statements cost the most (`BENCH_TOP`). */
const bySql = new Map<string, { runs: number; rowsRead: number; rowsWritten: number }>();
let lastSize = 0;
let installed = false;

type Meta = { rows_read?: number; rows_written?: number; size_after?: number };
type Upstream = { meta?: Meta } | { meta?: Meta }[];

function isBench(query: unknown): boolean {
  const first = Array.isArray(query) ? query[0] : query;
  return typeof first === "string" && first.startsWith("/*bench*/");
}

function count(results: Upstream, sqls: readonly string[]) {
  const list = Array.isArray(results) ? results : [results];
  totals.calls += 1;
  for (const [i, r] of list.entries()) {
    const sql = (sqls[i] ?? sqls[0] ?? "?").replace(/\s+/g, " ").slice(0, 240);
    const entry = bySql.get(sql) ?? { runs: 0, rowsRead: 0, rowsWritten: 0 };
    entry.runs += 1;
    entry.rowsRead += r.meta?.rows_read ?? 0;
    entry.rowsWritten += r.meta?.rows_written ?? 0;
    bySql.set(sql, entry);
    totals.statements += 1;
    totals.rowsRead += r.meta?.rows_read ?? 0;
    totals.rowsWritten += r.meta?.rows_written ?? 0;
    if (typeof r.meta?.size_after === "number") lastSize = r.meta.size_after;
  }
}

function sqlsOf(query: unknown): string[] {
  const list = Array.isArray(query) ? query : [query];
  return list.map((q) => (typeof q === "string" ? q : typeof (q as { sql?: unknown })?.sql === "string" ? (q as { sql: string }).sql : "?"));
}

/** Wraps the D1 session class behind `db` (idempotent). */
export function install(db: D1Database) {
  if (installed) return;
  let proto = (db.prepare("SELECT 1") as unknown as { dbSession?: object }).dbSession as Record<string, unknown> | undefined;
  while (proto && !Object.hasOwn(proto, "_sendOrThrow")) proto = Object.getPrototypeOf(proto);
  if (!proto || typeof proto._sendOrThrow !== "function" || typeof proto._queryOrThrow !== "function") {
    throw new Error("d1-meter: this runtime's D1 binding has no _sendOrThrow/_queryOrThrow to meter; update scripts/bench/d1-meter.ts");
  }
  const send = proto._sendOrThrow as (this: unknown, endpoint: string, query: unknown, ...rest: unknown[]) => Promise<Upstream>;
  proto._sendOrThrow = async function (this: unknown, endpoint: string, query: unknown, ...rest: unknown[]) {
    const results = await send.call(this, endpoint, query, ...rest);
    if (!isBench(query)) count(results, sqlsOf(query));
    return results;
  };
  const queryOrThrow = proto._queryOrThrow as (this: unknown, request: { queries: { sql: string }[] }, ...rest: unknown[]) => Promise<Upstream>;
  proto._queryOrThrow = async function (this: unknown, request: { queries: { sql: string }[] }, ...rest: unknown[]) {
    const results = await queryOrThrow.call(this, request, ...rest);
    const sqls = request.queries.map((q) => q.sql);
    if (!isBench(sqls)) count(results, sqls);
    return results;
  };
  installed = true;
}

/** The totals since the last reset, and the database's size in bytes (D1's `size_after`, pages in use times page size). */
export async function read(db: D1Database): Promise<D1Totals & { sizeBytes: number }> {
  const probe = await db.prepare("/*bench*/ SELECT 1").run();
  lastSize = (probe.meta as Meta).size_after ?? lastSize;
  return { ...totals, sizeBytes: lastSize };
}

/** The `n` statements that read the most rows since the last reset. */
export function top(n: number) {
  return [...bySql.entries()].map(([sql, e]) => ({ sql, ...e })).sort((a, b) => b.rowsRead - a.rowsRead).slice(0, n);
}

export function reset() {
  bySql.clear();
  totals.calls = 0;
  totals.statements = 0;
  totals.rowsRead = 0;
  totals.rowsWritten = 0;
}
