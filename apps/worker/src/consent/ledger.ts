import { and, asc, desc, eq } from "drizzle-orm";
import { tables, type ConsentRecordCreate } from "@switchboard/schemas";
import { DomainError } from "../errors";
import type { Db } from "../lib/db";
import { iso } from "../lib/time";
import type { PatientRow } from "../patients/store";
import { isOnDoNotCallList } from "./do-not-call";

const { consentRecords, optOuts } = tables;

/** The patient's consent record: opt-outs of their number, the ledger's grants, and the do-not-call list. */
export async function patientConsent(db: Db, tenantId: string, patient: PatientRow) {
  const number = patient.phoneNumber;
  const [history, records, onDnc] = await Promise.all([
    number
      ? db.select().from(optOuts).where(and(eq(optOuts.tenantId, tenantId), eq(optOuts.phoneNumber, number))).orderBy(asc(optOuts.optedOutAt), asc(optOuts.id))
      : Promise.resolve([]),
    db
      .select()
      .from(consentRecords)
      .where(and(eq(consentRecords.tenantId, tenantId), eq(consentRecords.patientId, patient.id)))
      .orderBy(desc(consentRecords.givenAt), desc(consentRecords.id)),
    number ? isOnDoNotCallList(db, tenantId, number) : Promise.resolve(false),
  ]);
  return {
    patientId: patient.id,
    phoneNumber: number,
    optedOut: history.some((r) => r.optedInAt === null),
    history: history.map((r) => ({
      phoneNumber: r.phoneNumber,
      optedOutAt: iso(r.optedOutAt),
      source: r.source,
      keyword: r.keyword,
      optedInAt: iso(r.optedInAt),
      optInSource: r.optInSource,
    })),
    records: records.map((r) => ledgerEntry(r, number)),
    onDoNotCallList: onDnc,
  };
}

type ConsentRow = typeof consentRecords.$inferSelect;

export function ledgerEntry(row: ConsentRow, currentNumber: string | null) {
  return {
    id: row.id,
    phoneNumber: row.phoneNumber,
    basis: row.basis as "prior_express_consent" | "prior_express_written_consent",
    source: row.source,
    evidence: row.evidence,
    scope: row.scope,
    givenAt: iso(row.givenAt),
    recordedAt: iso(row.recordedAt),
    withdrawnAt: iso(row.withdrawnAt),
    current: row.withdrawnAt === null && row.phoneNumber === currentNumber,
  };
}

/**
 * Records a grant of consent for the patient's current number. It never ends an opt-out: a patient
 * who revoked consent is contacted again only after they take the revocation back (START, or
 * `restoreConsent` on their word).
 */
export async function recordConsent(db: Db, tenantId: string, patient: PatientRow, input: ConsentRecordCreate, now = Date.now()) {
  if (!patient.phoneNumber) throw new DomainError("PATIENT_NO_PHONE", "The patient has no phone number: consent is given for a number; add one with PATCH /api/v1/patients/{patientId}");
  const row = await db
    .insert(consentRecords)
    .values({
      id: crypto.randomUUID(),
      tenantId,
      patientId: patient.id,
      phoneNumber: patient.phoneNumber,
      basis: input.basis,
      source: input.source,
      evidence: input.evidence,
      scope: input.scope,
      givenAt: input.givenAt ? Date.parse(input.givenAt) : now,
      recordedAt: now,
      withdrawnAt: null,
    })
    .returning()
    .get();
  return ledgerEntry(row, patient.phoneNumber);
}

/** Withdraws a grant entered by mistake (the row stays, marked). Null when it is not the patient's. */
export async function withdrawConsent(db: Db, tenantId: string, patient: PatientRow, recordId: string, now = Date.now()) {
  const where = and(eq(consentRecords.id, recordId), eq(consentRecords.tenantId, tenantId), eq(consentRecords.patientId, patient.id));
  const current = await db.select().from(consentRecords).where(where).get();
  if (!current) return null;
  if (current.withdrawnAt !== null) return ledgerEntry(current, patient.phoneNumber);
  const row = await db.update(consentRecords).set({ withdrawnAt: now }).where(where).returning().get();
  return ledgerEntry(row!, patient.phoneNumber);
}
