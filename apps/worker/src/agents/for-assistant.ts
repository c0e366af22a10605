import { and, desc, eq, sql } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import { providersOf, type AgentRow } from "./store";
import type { Db } from "../lib/db";

const { agents } = tables;

/**
 * The tenant's agent for an assistant type on a provider: an agent whose `assistantType` is
 * `assistantType` and whose `providers` list names `provider`. When several match, the most
 * recently updated wins. The one place this is decided.
 */
export async function agentForAssistant(db: Db, tenantId: string, assistantType: string, provider: string): Promise<AgentRow | null> {
  const candidates = await db
    .select()
    .from(agents)
    .where(and(eq(agents.tenantId, tenantId), sql`json_extract(${agents.settings}, '$.assistantType') = ${assistantType}`))
    .orderBy(desc(agents.updatedAt), desc(agents.id));
  return candidates.find((agent) => providersOf(agent).some((ref) => ref.provider === provider)) ?? null;
}
