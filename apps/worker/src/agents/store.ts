import { and, eq } from "drizzle-orm";
import { DEFAULT_RETRY_SETTINGS, tables, type Agent, type AgentCreate, type AgentSettings, type ProviderName } from "@switchboard/schemas";
import type { Db } from "../lib/db";
import { iso } from "../lib/time";

export type AgentRow = typeof tables.agents.$inferSelect;

export function settingsOf(input: Omit<AgentCreate, "name" | "provider">): AgentSettings {
  return {
    prompt: input.prompt ?? null,
    greeting: input.greeting ?? null,
    assistantType: input.assistantType ?? null,
    voice: input.voice ?? null,
    language: input.language,
    maxDurationSeconds: input.maxDurationSeconds,
    ...(input.simulator ? { simulator: input.simulator } : {}),
    ...(input.retry ? { retry: input.retry } : {}),
  };
}

export function agentToWire(row: AgentRow): Agent {
  const s = row.settings as Partial<AgentSettings>;
  return {
    id: row.id,
    name: row.name,
    provider: row.provider as ProviderName,
    prompt: s.prompt ?? null,
    greeting: s.greeting ?? null,
    assistantType: s.assistantType ?? null,
    voice: s.voice ?? null,
    language: s.language ?? "en-US",
    maxDurationSeconds: s.maxDurationSeconds ?? 900,
    simulator: s.simulator ?? null,
    retry: s.retry ?? DEFAULT_RETRY_SETTINGS,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export async function getAgent(db: Db, tenantId: string, id: string): Promise<AgentRow | undefined> {
  return db.select().from(tables.agents).where(and(eq(tables.agents.id, id), eq(tables.agents.tenantId, tenantId))).get();
}
