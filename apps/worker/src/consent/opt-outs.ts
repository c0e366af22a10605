import { and, eq, isNull } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import type { Db } from "../lib/db";

const { optOuts } = tables;
const active = (tenantId: string) => and(eq(optOuts.tenantId, tenantId), isNull(optOuts.optedInAt));

export async function isOptedOut(db: Db, tenantId: string, phoneNumber: string): Promise<boolean> {
  const row = await db.select({ id: optOuts.id }).from(optOuts).where(and(active(tenantId), eq(optOuts.phoneNumber, phoneNumber))).get();
  return row !== undefined;
}

export interface OptOutInput {
  tenantId: string;
  phoneNumber: string;
  patientId?: string | null;
  source: string;
  keyword?: string | null;
  at?: number;
}

/**
 * Records an opt-out unless one is already active for the number. Returns the new opt-out's id, or
 * null when the number was already opted out. To tell the tenant's webhooks, use optOutAndAnnounce.
 */
export async function optOut(db: Db, input: OptOutInput): Promise<string | null> {
  if (await isOptedOut(db, input.tenantId, input.phoneNumber)) return null;
  const id = crypto.randomUUID();
  await db.insert(optOuts).values({
    id,
    tenantId: input.tenantId,
    phoneNumber: input.phoneNumber,
    patientId: input.patientId ?? null,
    source: input.source,
    keyword: input.keyword ?? null,
    optedOutAt: input.at ?? Date.now(),
    optedInAt: null,
    optInSource: null,
  });
  return id;
}

/** Ends any active opt-out for the number (the row stays, as consent history). */
export async function optIn(db: Db, tenantId: string, phoneNumber: string, source: string, at = Date.now()): Promise<boolean> {
  const rows = await db
    .update(optOuts)
    .set({ optedInAt: at, optInSource: source })
    .where(and(active(tenantId), eq(optOuts.phoneNumber, phoneNumber)))
    .returning({ id: optOuts.id });
  return rows.length > 0;
}
