import { and, eq } from "drizzle-orm";
import { tables, type OptOutSource } from "@switchboard/schemas";
import type { Env } from "../env";
import type { Db } from "../lib/db";
import { iso } from "../lib/time";
import { emitEvents } from "../customer-webhooks/emit";
import { optOut, type OptOutInput } from "./opt-outs";
import { errorSummary } from "../lib/log-safe";

/**
 * Records an opt-out and, when it is new, sends `patient.opted_out` for every patient of the tenant
 * on that number (family members share numbers; the opt-out covers the number). The payload names
 * the patient, not the number. A number no patient has is recorded without an event. Returns the
 * new opt-out's id, or null when the number was already opted out.
 */
export async function optOutAndAnnounce(env: Pick<Env, "DB" | "WEBHOOKS">, db: Db, input: OptOutInput & { source: OptOutSource }): Promise<string | null> {
  const at = input.at ?? Date.now();
  const optOutId = await optOut(db, { ...input, at });
  if (!optOutId) return null;
  try {
    const { patients } = tables;
    const onNumber = await db
      .select({ id: patients.id })
      .from(patients)
      .where(and(eq(patients.tenantId, input.tenantId), eq(patients.phoneNumber, input.phoneNumber)));
    await emitEvents(
      env,
      input.tenantId,
      onNumber.map((patient) => ({
        type: "patient.opted_out" as const,
        key: `opt_out:${optOutId}:${patient.id}`,
        data: { patient_id: patient.id, source: input.source, keyword: input.keyword ?? null, opted_out_at: iso(at) },
      })),
    );
  } catch (error) {
    // The opt-out is recorded and enforced whatever becomes of the event.
    console.error(JSON.stringify({ level: "error", msg: "patient.opted_out emit failed", tenantId: input.tenantId, optOutId, error: errorSummary(error) }));
  }
  return optOutId;
}
