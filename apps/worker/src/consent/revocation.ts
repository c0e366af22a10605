import type { Env } from "../env";
import { DomainError } from "../errors";
import type { Db } from "../lib/db";
import type { PatientRow } from "../patients/store";
import { optOutAndAnnounce } from "./opt-out-events";
import { optIn } from "./opt-outs";

export type RevocationMeans = "spoken" | "letter" | "email" | "in_person" | "other";

/**
 * Revocation by any reasonable means (FCC 24-24, 47 CFR 64.1200(a)(10)): the patient said so on a
 * call, in a letter, an email, at the front desk. Honored at once for calls and texts alike: the
 * number is opted out (as a STOP text does), every later attempt is refused `opted_out`, and the
 * tenant's webhooks hear `patient.opted_out` (source `api`, keyword the means). Idempotent:
 * false when the number was already opted out.
 */
export async function revokeConsent(env: Pick<Env, "DB" | "WEBHOOKS">, db: Db, tenantId: string, patient: PatientRow, means: RevocationMeans): Promise<boolean> {
  if (!patient.phoneNumber) throw new DomainError("PATIENT_NO_PHONE", "The patient has no phone number: there is nothing to opt out");
  const id = await optOutAndAnnounce(env, db, { tenantId, phoneNumber: patient.phoneNumber, patientId: patient.id, source: "api", keyword: means });
  return id !== null;
}

/** Ends the number's opt-out on the patient's own word; false when it was not opted out. */
export async function restoreConsent(db: Db, tenantId: string, patient: PatientRow, means: RevocationMeans): Promise<boolean> {
  if (!patient.phoneNumber) throw new DomainError("PATIENT_NO_PHONE", "The patient has no phone number");
  return optIn(db, tenantId, patient.phoneNumber, `api:${means}`);
}
