import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../src/http/app";
import { BASE } from "./http";

/*
 * What a request costs D1 in rows read, as D1 counts them (`meta.rows_read`). The request runs
 * against a D1 binding that records each statement it executes. Statements run with `all()`,
 * `run()` or in a `batch()` carry D1's `meta`, which is taken as it comes. D1's `first()` and
 * `raw()` (drizzle's selects) drop `meta`: those statements (reads only) are run again on their own
 * with `all()`, whose `meta` carries D1's count for exactly that statement.
 */

interface Recorded {
  sql: string;
  params: unknown[];
  /** D1's count when the call returned it; undefined: measured again afterwards. */
  rowsRead?: number;
  /** D1's rows written, when the call returned it. */
  rowsWritten?: number;
  /** Which round trip to D1 ran it (statements of one `batch()` share one). */
  trip: number;
}

type Meta = { meta?: { rows_read?: number; rows_written?: number } };

function recordingD1(db: D1Database, log: Recorded[]): D1Database {
  let trips = 0;
  const real = new WeakMap<object, { statement: D1PreparedStatement; sql: string; params: unknown[] }>();
  const wrap = (statement: D1PreparedStatement, sql: string, params: unknown[]): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => wrap(target.bind(...values), sql, values);
        if (prop === "all" || prop === "run") {
          return async (...args: unknown[]) => {
            const trip = ++trips;
            const result = (await (target[prop] as (...a: unknown[]) => Promise<Meta>).apply(target, args)) as Meta;
            log.push({ sql, params, rowsRead: result.meta?.rows_read ?? 0, rowsWritten: result.meta?.rows_written ?? 0, trip });
            return result;
          };
        }
        if (prop === "first" || prop === "raw") {
          return (...args: unknown[]) => {
            log.push({ sql, params, trip: ++trips });
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    real.set(proxy, { statement, sql, params });
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql), sql, []);
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const entries = statements.map((s) => real.get(s));
          const trip = ++trips;
          const results = await target.batch(statements.map((s, i) => entries[i]?.statement ?? s));
          results.forEach((r, i) =>
            log.push({ sql: entries[i]?.sql ?? "(unknown)", params: entries[i]?.params ?? [], rowsRead: r.meta?.rows_read ?? 0, rowsWritten: r.meta?.rows_written ?? 0, trip }),
          );
          return results;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Runs the request through the app and returns its response, the rows D1 read for it, and its statements. */
export async function rowsReadBy(path: string, init: RequestInit = {}) {
  const log: Recorded[] = [];
  const ctx = createExecutionContext();
  const response = await createApp().fetch(new Request(`${BASE}${path}`, init), { ...env, DB: recordingD1(env.DB, log) }, ctx);
  await waitOnExecutionContext(ctx);
  let rowsRead = 0;
  /** Rows read by the request's reads alone (SELECT statements), not by its writes (e.g. the read audit's INSERT ... SELECT FROM json_each). */
  let rowsReadBySelects = 0;
  for (const statement of log) {
    const select = /^\s*select\b/i.test(statement.sql);
    if (statement.rowsRead === undefined) {
      if (!select) throw new Error(`not a read, cannot be measured again: ${statement.sql.slice(0, 80)}`);
      statement.rowsRead = (await env.DB.prepare(statement.sql).bind(...statement.params).all()).meta.rows_read ?? 0;
    }
    rowsRead += statement.rowsRead;
    if (select) rowsReadBySelects += statement.rowsRead;
  }
  return {
    response,
    rowsRead,
    rowsReadBySelects,
    /** Rows written, as D1 counts them (index entries included), by the statements that reported it. */
    rowsWritten: log.reduce((n, s) => n + (s.rowsWritten ?? 0), 0),
    statements: log.map((s) => s.sql),
    perStatement: log.map((s) => ({ sql: s.sql.slice(0, 100), rowsRead: s.rowsRead!, rowsWritten: s.rowsWritten ?? 0, trip: s.trip })),
    /** Round trips to D1 (a batch is one). */
    roundTrips: new Set(log.map((s) => s.trip)).size,
  };
}
