import { and, asc, eq, sql } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import { notIndexed, type Db } from "../lib/db";
import type { PatientRow } from "./store";

const { patients } = tables;

/** The names a contact gets when the first we know of them is their number. */
export const WALK_IN_NAME = { firstName: "Walk-in", lastName: "Contact" } as const;

/**
 * The tenant's patient with this E.164 number (the oldest, when several share it), or a new walk-in
 * contact when none has it. Insert-if-absent is one statement, so concurrent requests for a new
 * number create one contact.
 */
export async function findOrCreateByPhone(db: Db, tenantId: string, phoneNumber: string, now = Date.now()): Promise<PatientRow> {
  await db.run(sql`
    INSERT INTO ${patients} (id, tenant_id, first_name, last_name, phone_number, birth_date, email, timezone, created_at, updated_at)
    SELECT ${crypto.randomUUID()}, ${tenantId}, ${WALK_IN_NAME.firstName}, ${WALK_IN_NAME.lastName}, ${phoneNumber}, NULL, NULL, NULL, ${now}, ${now}
    WHERE NOT EXISTS (SELECT 1 FROM ${patients} WHERE tenant_id = ${tenantId} AND phone_number = ${phoneNumber})`);
  const row = await db
    .select()
    .from(patients)
    .where(and(eq(patients.tenantId, tenantId), eq(patients.phoneNumber, phoneNumber)))
    .orderBy(asc(notIndexed(patients.createdAt)), asc(patients.id))
    .get();
  if (!row) throw new Error("walk-in contact vanished after insert");
  return row;
}
