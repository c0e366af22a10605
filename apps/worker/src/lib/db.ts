import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { tables } from "@switchboard/schemas";

export function createDb(d1: D1Database) {
  return drizzle(d1, { schema: tables });
}
export type Db = ReturnType<typeof createDb>;

/** `(SELECT value FROM json_each(?))`: a list of any length as one bound parameter, for `IN`. */
export function jsonValues(values: readonly (string | number)[]) {
  return sql`(SELECT value FROM json_each(${JSON.stringify(values)}))`;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
