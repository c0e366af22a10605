import { getTableColumns, getTableName, sql, type Table } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** A drizzle handle on D1. No relational schema: queries name their tables, and building the schema's relations on every request costs CPU for nothing. */
export function createDb(d1: D1Database) {
  return drizzle(d1);
}
export type Db = ReturnType<typeof createDb>;

/** `(SELECT value FROM json_each(?))`: a list of any length as one bound parameter, for `IN`. */
export function jsonValues(values: readonly (string | number)[]) {
  return sql`(SELECT value FROM json_each(${JSON.stringify(values)}))`;
}

/**
 * `+column`: the same value, but SQLite will not use an index for it. For an ORDER BY that would
 * otherwise lead the planner (it has no table statistics on D1) to walk a tenant's whole index in
 * that order rather than take the narrower index the WHERE names and sort the few rows it finds.
 */
export function notIndexed(column: SQLiteColumn) {
  return sql`+${column}`;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Bytes of JSON carried by one statement's single parameter (D1 caps a value at 2 MB). */
const MAX_JSON_BYTES = 900_000;

/**
 * Statements inserting `rows` (drizzle insert shapes) as `INSERT ... SELECT ... FROM json_each(?)`:
 * any number of rows through one bound parameter, where multi-row VALUES is cut to 100 parameters
 * (5 calls per statement). Measured by `pnpm bench`. D1 statements: run them in `d1.batch()`, with
 * drizzle queries turned into statements by `d1Statement`. Objects are stored as JSON text and
 * booleans as 0/1, as drizzle stores them.
 */
export function jsonInserts<T extends Table>(d1: D1Database, table: T, rows: readonly T["$inferInsert"][]): D1PreparedStatement[] {
  if (rows.length === 0) return [];
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const keys = Object.keys(rows[0]!).filter((k) => k in columns);
  const names = keys.map((k) => columns[k]!.name);
  const insert = `INSERT INTO "${getTableName(table)}" (${names.map((n) => `"${n}"`).join(", ")})
    SELECT ${names.map((n) => `json_extract(value, '$.${n}')`).join(", ")} FROM json_each(?)`;

  const statements: D1PreparedStatement[] = [];
  let part: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (part.length) statements.push(d1.prepare(insert).bind(`[${part.join(",")}]`));
    part = [];
    bytes = 0;
  };
  for (const row of rows) {
    const record: Record<string, unknown> = {};
    keys.forEach((key, i) => {
      const value = (row as Record<string, unknown>)[key];
      record[names[i]!] = typeof value === "boolean" ? Number(value) : value !== null && typeof value === "object" ? JSON.stringify(value) : (value ?? null);
    });
    const json = JSON.stringify(record);
    if (bytes + json.length > MAX_JSON_BYTES) flush();
    part.push(json);
    bytes += json.length;
  }
  flush();
  return statements;
}

/** A drizzle query as a D1 statement, to join raw statements in one `d1.batch()` (atomic). */
export function d1Statement(d1: D1Database, query: { toSQL(): { sql: string; params: unknown[] } }): D1PreparedStatement {
  const { sql, params } = query.toSQL();
  return d1.prepare(sql).bind(...params);
}

/**
 * A raw D1 row (snake_case names, JSON as text, booleans as 0/1: what `d1.batch()` and the archive
 * return) in drizzle's shape for `table`.
 */
export function rowOf<T extends Table>(table: T, row: Record<string, unknown>): T["$inferSelect"] {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = row[column.name];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as T["$inferSelect"];
}
