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
 * The statement recording an opt-out with this id, unless one is already active for the number
 * (one active opt-out per number is a unique index: of concurrent STOPs, one is recorded). Whether
 * it was recorded shows as a row with `id` existing afterwards.
 */
export function optOutStatement(db: Db, id: string, input: OptOutInput) {
  return db
    .insert(optOuts)
    .values({
      id,
      tenantId: input.tenantId,
      phoneNumber: input.phoneNumber,
      patientId: input.patientId ?? null,
      source: input.source,
      keyword: input.keyword ?? null,
      optedOutAt: input.at ?? Date.now(),
      optedInAt: null,
      optInSource: null,
    })
    .onConflictDoNothing()
    .returning({ id: optOuts.id });
}

/**
 * Records an opt-out unless one is already active for the number. Returns the new opt-out's id, or
 * null when the number was already opted out. To tell the tenant's webhooks, use optOutAndAnnounce.
 */
export async function optOut(db: Db, input: OptOutInput): Promise<string | null> {
  const [row] = await optOutStatement(db, crypto.randomUUID(), input);
  return row?.id ?? null;
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
