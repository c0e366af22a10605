import { and, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import { tables, type Patient, type PatientCreate, type PatientUpdate, type UsStateCode } from "@switchboard/schemas";
import { DomainError } from "../errors";
import type { Db } from "../lib/db";
import { toE164 } from "../lib/phone";
import { iso } from "../lib/time";
import { isIanaTimezone } from "../lib/timezone";

export type PatientRow = typeof tables.patients.$inferSelect;

export function patientToWire(row: PatientRow): Patient {
  return {
    patient_id: row.id,
    first_name: row.firstName,
    last_name: row.lastName,
    birth_date: row.birthDate,
    email: row.email,
    phone_number: row.phoneNumber,
    timezone: row.timezone,
    state: (row.state as UsStateCode | null) ?? null,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

/** Checks and normalizes the fields zod cannot: E.164 phone numbers and IANA zones. */
export function normalizePatientInput<T extends PatientCreate | PatientUpdate>(input: T): T {
  const out = { ...input };
  if (typeof input.phoneNumber === "string") {
    const e164 = toE164(input.phoneNumber);
    if (!e164) throw new DomainError("INVALID_INPUT", "phoneNumber must be a valid phone number (E.164, e.g. +15555551234)");
    out.phoneNumber = e164;
  }
  if (typeof input.timezone === "string" && !isIanaTimezone(input.timezone)) {
    throw new DomainError("INVALID_INPUT", "timezone must be an IANA time zone such as America/New_York");
  }
  return out;
}

export async function getPatient(db: Db, tenantId: string, id: string): Promise<PatientRow | undefined> {
  return db.select().from(tables.patients).where(and(eq(tables.patients.id, id), eq(tables.patients.tenantId, tenantId))).get();
}

/** `LIKE` pattern for text containing `value` literally (`%`, `_` and backslash escaped). */
function containing(value: string): string {
  return `%${value.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/**
 * Patients whose name ("first last" too), email or phone number contains `q`, case-insensitive;
 * a phone number matches by its digits, whatever punctuation `q` has.
 */
export function patientSearch(q: string): SQL | undefined {
  const { patients } = tables;
  const text = containing(q.toLowerCase());
  const digits = q.replace(/\D/g, "");
  return or(
    sql`lower(${patients.firstName} || ' ' || ${patients.lastName}) LIKE ${text} ESCAPE '\\'`,
    sql`lower(${patients.email}) LIKE ${text} ESCAPE '\\'`,
    digits.length >= 3 ? sql`${patients.phoneNumber} LIKE ${containing(digits)} ESCAPE '\\'` : undefined,
  );
}
