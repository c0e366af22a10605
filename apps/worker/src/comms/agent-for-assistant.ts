import { and, desc, eq, sql } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import type { AgentRow } from "../agents/store";
import type { Db } from "../lib/db";

const { agents } = tables;

/**
 * The tenant's agent for an assistant type on a provider: an agent whose settings.assistantType is
 * `assistantType` and whose provider, or ordered `providers` list when it has one, includes
 * `provider`. When several match, the most recently updated wins. The one place this is decided.
 */
export async function agentForAssistant(db: Db, tenantId: string, assistantType: string, provider: string): Promise<AgentRow | null> {
  const candidates = await db
    .select()
    .from(agents)
    .where(and(eq(agents.tenantId, tenantId), sql`json_extract(${agents.settings}, '$.assistantType') = ${assistantType}`))
    .orderBy(desc(agents.updatedAt), desc(agents.id));
  return candidates.find((agent) => agentProviders(agent).includes(provider)) ?? null;
}

/**
 * The providers an agent can run on. Agents may carry an ordered `providers: [{ provider, agent }]`
 * list (as a column or inside settings); without one, the agent's single `provider`.
 */
export function agentProviders(agent: AgentRow): string[] {
  const row = agent as AgentRow & { providers?: unknown };
  const list = parseList(row.providers) ?? parseList((agent.settings as Record<string, unknown>).providers);
  const names = list?.flatMap((entry) => {
    if (typeof entry === "string") return [entry];
    const name = (entry as { provider?: unknown } | null)?.provider;
    return typeof name === "string" ? [name] : [];
  });
  return names && names.length ? names : [agent.provider];
}

function parseList(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (typeof value === "string") {
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }
  return null;
}
