import { and, eq, inArray, isNull } from "drizzle-orm";
import { tables, type UserTiny } from "@switchboard/schemas";
import { chunk, type Db } from "../lib/db";
import type { PatientRow } from "../patients/store";

export type StaffUserRow = typeof tables.staffUsers.$inferSelect;
const { staffUsers } = tables;

export function staffUserToWire(row: StaffUserRow): UserTiny {
  return {
    id: row.id,
    type: row.type as UserTiny["type"],
    firstName: row.firstName,
    lastName: row.lastName,
    phoneNumber: row.phoneNumber,
    email: row.email,
    locationId: row.locationId,
  };
}

/** The patient as a /comms user. A deleted patient still shows as a sender of what they wrote. */
export function patientAsUser(patientId: string, patient: PatientRow | undefined, phoneNumber: string | null = null): UserTiny {
  return {
    id: patientId,
    type: "PATIENT",
    firstName: patient?.firstName ?? "",
    lastName: patient?.lastName ?? "",
    phoneNumber: patient?.phoneNumber ?? phoneNumber,
    email: patient?.email ?? null,
    locationId: null,
  };
}

/** A live (not deleted) staff user of the tenant. */
export async function getStaffUser(db: Db, tenantId: string, id: string): Promise<StaffUserRow | undefined> {
  return db
    .select()
    .from(staffUsers)
    .where(and(eq(staffUsers.id, id), eq(staffUsers.tenantId, tenantId), isNull(staffUsers.deletedAt)))
    .get();
}

/** Staff users by id, deleted ones included (messages keep naming who sent them). */
export async function staffUsersByIds(db: Db, tenantId: string, ids: readonly string[]): Promise<Map<string, StaffUserRow>> {
  const parts = await Promise.all(
    chunk([...new Set(ids)], 90).map((part) =>
      db.select().from(staffUsers).where(and(eq(staffUsers.tenantId, tenantId), inArray(staffUsers.id, part))),
    ),
  );
  return new Map(parts.flat().map((row) => [row.id, row]));
}
