import { and, eq } from "drizzle-orm";
import { tables, type OptOutSource } from "@switchboard/schemas";
import type { Env } from "../env";
import { iso } from "../lib/time";
import { endpointsWoken, eventStatements, wakeAll } from "../customer-webhooks/emit";
import { d1Statement, type Db } from "../lib/db";
import { optOutStatement, type OptOutInput } from "./opt-outs";

/**
 * Records an opt-out and, when it is new, sends `patient.opted_out` for every patient of the tenant
 * on that number (family members share numbers; the opt-out covers the number). The payload names
 * the patient, not the number. A number no patient has is recorded without an event. The opt-out
 * and its events are written in one batch, the events only if this opt-out is the one recorded:
 * of concurrent STOPs, one opt-out and one event per patient. Returns the new opt-out's id, or
 * null when the number was already opted out.
 */
export async function optOutAndAnnounce(env: Pick<Env, "DB" | "WEBHOOKS">, db: Db, input: OptOutInput & { source: OptOutSource }): Promise<string | null> {
  const at = input.at ?? Date.now();
  const optOutId = crypto.randomUUID();
  const { patients } = tables;
  const onNumber = await db
    .select({ id: patients.id })
    .from(patients)
    .where(and(eq(patients.tenantId, input.tenantId), eq(patients.phoneNumber, input.phoneNumber)));
  const events = onNumber.map((patient) => ({
    type: "patient.opted_out" as const,
    key: `opt_out:${optOutId}:${patient.id}`,
    data: { patient_id: patient.id, source: input.source, keyword: input.keyword ?? null, opted_out_at: iso(at) },
  }));
  const outbox = await eventStatements(db.$client, input.tenantId, events, at, { sql: "EXISTS (SELECT 1 FROM opt_outs WHERE id = ?)", binds: [optOutId] });
  const statements = [d1Statement(db.$client, optOutStatement(db, optOutId, { ...input, at })), ...outbox.events, ...outbox.deliveries];
  const [recorded, ...rest] = await db.$client.batch<{ id: string }>(statements);
  if (!recorded?.results.length) return null;
  await wakeAll(env, endpointsWoken(rest.slice(outbox.events.length)));
  return optOutId;
}
