import { and, eq } from "drizzle-orm";
import { agentPurpose, DEFAULT_RETRY_SETTINGS, tables, type Agent, type AgentCreate, type AgentProviderRef, type AgentSettings, type ProviderName } from "@switchboard/schemas";
import type { Db } from "../lib/db";
import { iso } from "../lib/time";
import { agentProviderRefs } from "../voice/adapters";

export type AgentRow = typeof tables.agents.$inferSelect;

export function settingsOf(input: Omit<AgentCreate, "name" | "provider" | "providers">, providers?: AgentProviderRef[]): AgentSettings {
  return {
    ...(providers ? { providers } : {}),
    prompt: input.prompt ?? null,
    greeting: input.greeting ?? null,
    assistantType: input.assistantType ?? null,
    voice: input.voice ?? null,
    language: input.language,
    model: input.model ?? null,
    ttsProvider: input.ttsProvider ?? null,
    sttProvider: input.sttProvider ?? null,
    maxDurationSeconds: input.maxDurationSeconds,
    ...(input.simulator ? { simulator: input.simulator } : {}),
    ...(input.retry ? { retry: input.retry } : {}),
    // Stored explicitly, so what an agent's calls are for never changes behind its back.
    purpose: input.purpose ?? agentPurpose(input),
    allowedPurposes: input.allowedPurposes ?? null,
  };
}

/** Where the agent runs, in order of preference: its `providers` list (the first is primary). */
export function providersOf(row: AgentRow): AgentProviderRef[] {
  return agentProviderRefs(row.provider, row.settings);
}

export function agentToWire(row: AgentRow): Agent {
  const s = row.settings as Partial<AgentSettings>;
  return {
    id: row.id,
    name: row.name,
    provider: row.provider as ProviderName,
    providers: providersOf(row).map((p) => ({ provider: p.provider, agent: p.agent ?? null })),
    prompt: s.prompt ?? null,
    greeting: s.greeting ?? null,
    assistantType: s.assistantType ?? null,
    voice: s.voice ?? null,
    language: s.language ?? "en-US",
    model: s.model ?? null,
    ttsProvider: s.ttsProvider ?? null,
    sttProvider: s.sttProvider ?? null,
    maxDurationSeconds: s.maxDurationSeconds ?? 900,
    simulator: s.simulator ?? null,
    retry: s.retry ?? DEFAULT_RETRY_SETTINGS,
    purpose: agentPurpose(s),
    allowedPurposes: s.allowedPurposes ?? null,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export async function getAgent(db: Db, tenantId: string, id: string): Promise<AgentRow | undefined> {
  return db.select().from(tables.agents).where(and(eq(tables.agents.id, id), eq(tables.agents.tenantId, tenantId))).get();
}
