import { and, asc, count, eq, sql } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import { DomainError } from "../errors";
import { chunk, type Db } from "../lib/db";
import { toE164 } from "../lib/phone";

const { doNotCall } = tables;

export async function isOnDoNotCallList(db: Db, tenantId: string, phoneNumber: string): Promise<boolean> {
  const row = await db.select({ n: doNotCall.phoneNumber }).from(doNotCall).where(and(eq(doNotCall.tenantId, tenantId), eq(doNotCall.phoneNumber, phoneNumber))).get();
  return row !== undefined;
}

export interface DncEntryInput {
  phoneNumber: string;
  note?: string | null | undefined;
}

/** Numbers per INSERT: each a JSON object inside one bound parameter. */
const ROWS_PER_STATEMENT = 500;

/**
 * Adds numbers to the tenant's do-not-call list, all or none: every number must be a phone number
 * (an invalid one fails the import, naming its index). Numbers already listed keep their entry.
 * One atomic D1 batch of a few statements however many numbers (json_each).
 */
export async function importDoNotCall(db: Db, tenantId: string, entries: readonly DncEntryInput[], source: "api" | "import", now = Date.now()) {
  const invalid: number[] = [];
  const rows = new Map<string, { phone: string; note: string | null }>();
  entries.forEach((entry, index) => {
    const phone = toE164(entry.phoneNumber);
    if (!phone) invalid.push(index);
    else if (!rows.has(phone)) rows.set(phone, { phone, note: entry.note ?? null });
  });
  if (invalid.length) {
    const shown = invalid.slice(0, 20).join(", ");
    throw new DomainError("INVALID_INPUT", `numbers[${shown}]${invalid.length > 20 ? ", …" : ""}: not a phone number (E.164, e.g. +15555551234, or a US number)`, {
      field: ["numbers", invalid[0]!],
    });
  }
  const d1 = db.$client;
  const results = await d1.batch(
    chunk([...rows.values()], ROWS_PER_STATEMENT).map((part) =>
      d1
        .prepare(
          `INSERT INTO do_not_call (tenant_id, phone_number, note, source, added_at)
           SELECT ?1, json_extract(value, '$.phone'), json_extract(value, '$.note'), ?2, ?3 FROM json_each(?4) WHERE true
           ON CONFLICT (tenant_id, phone_number) DO NOTHING`,
        )
        .bind(tenantId, source, now, JSON.stringify(part)),
    ),
  );
  const added = results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
  return { added, alreadyListed: rows.size - added, total: await countDoNotCall(db, tenantId) };
}

export async function countDoNotCall(db: Db, tenantId: string): Promise<number> {
  return (await db.select({ n: count() }).from(doNotCall).where(eq(doNotCall.tenantId, tenantId)).get())?.n ?? 0;
}

export async function listDoNotCall(db: Db, tenantId: string, limit: number, offset: number) {
  // In the order they were added (an import keeps its order): rowid, as the table has one.
  return db.select().from(doNotCall).where(eq(doNotCall.tenantId, tenantId)).orderBy(asc(doNotCall.addedAt), asc(sql`rowid`)).limit(limit).offset(offset);
}

/** Removes a number; false when it was not listed. */
export async function removeDoNotCall(db: Db, tenantId: string, phoneNumber: string): Promise<boolean> {
  const rows = await db.delete(doNotCall).where(and(eq(doNotCall.tenantId, tenantId), eq(doNotCall.phoneNumber, phoneNumber))).returning({ n: doNotCall.phoneNumber });
  return rows.length > 0;
}

/** The whole list as CSV (`phone_number,note,source,added_at`), paged through in bounded reads. */
export async function exportDoNotCallCsv(db: Db, tenantId: string): Promise<string> {
  const lines = ["phone_number,note,source,added_at"];
  const page = 5_000;
  for (let offset = 0; ; offset += page) {
    const rows = await listDoNotCall(db, tenantId, page, offset);
    for (const r of rows) lines.push([r.phoneNumber, csvField(r.note ?? ""), r.source, new Date(r.addedAt).toISOString()].join(","));
    if (rows.length < page) break;
  }
  return `${lines.join("\n")}\n`;
}

/** RFC 4180: quote fields with commas, quotes or line breaks; a leading =+-@ is quoted too so spreadsheets do not run it. */
function csvField(value: string): string {
  return /[",\r\n]|^[=+\-@]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
