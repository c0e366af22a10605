import { z } from "@hono/zod-openapi";
import { RETRYABLE_OUTCOMES } from "../lifecycle";

/** Providers an agent can run on. Only the simulator is wired so far. */
export const PROVIDERS = ["simulator"] as const;
export const ProviderName = z.enum(PROVIDERS);
export type ProviderName = z.infer<typeof ProviderName>;

export const ASSISTANT_TYPES = ["BILLER", "CALL_REMINDER", "CALL_FOLLOW_UP", "CALL_LAB_TECHNICIAN"] as const;

/** Endings the simulator can act out, so tests and demos can ask for the unhappy paths. */
export const SIMULATED_OUTCOMES = ["human", "voicemail", "no_answer", "busy"] as const;

export const SimulatorSettings = z
  .object({
    outcome: z.enum(SIMULATED_OUTCOMES).default("human"),
    /** Time from dialing to completed, end to end. */
    durationMs: z.number().int().min(0).max(600_000).default(10_000),
  })
  .openapi("SimulatorSettings");

/** How unanswered calls are tried again. One attempt (the default) means never. */
export const RetrySettings = z
  .object({
    maxAttempts: z.number().int().min(1).max(10).default(1).openapi({ description: "Attempts in all, the first included" }),
    spacingMinutes: z.number().int().min(1).max(10_080).default(60).openapi({ description: "Least time from one attempt's end to the next attempt" }),
    on: z
      .array(z.enum(RETRYABLE_OUTCOMES))
      .min(1)
      .default([...RETRYABLE_OUTCOMES])
      .openapi({ description: "Outcomes that are tried again; hangups and answered calls never are" }),
  })
  .openapi("RetrySettings");
export type RetrySettings = z.infer<typeof RetrySettings>;
export const DEFAULT_RETRY_SETTINGS: RetrySettings = { maxAttempts: 1, spacingMinutes: 60, on: [...RETRYABLE_OUTCOMES] };

const agentFields = {
  name: z.string().trim().min(1, "name is required").max(200),
  provider: ProviderName,
  prompt: z.string().max(20_000).nullish(),
  greeting: z.string().max(2_000).nullish(),
  assistantType: z.enum(ASSISTANT_TYPES).nullish(),
  voice: z.string().max(200).nullish(),
  language: z.string().max(35).default("en-US"),
  /** A call live longer than this is ended by the watchdog. */
  maxDurationSeconds: z.number().int().min(30).max(7_200).default(900),
  simulator: SimulatorSettings.optional(),
  retry: RetrySettings.optional(),
};

export const AgentCreate = z.object(agentFields).openapi("AgentCreate");
export type AgentCreate = z.infer<typeof AgentCreate>;

export const AgentUpdate = z
  .object({
    name: agentFields.name.optional(),
    provider: ProviderName.optional(),
    prompt: agentFields.prompt,
    greeting: agentFields.greeting,
    assistantType: agentFields.assistantType,
    voice: agentFields.voice,
    language: z.string().max(35).optional(),
    maxDurationSeconds: z.number().int().min(30).max(7_200).optional(),
    simulator: SimulatorSettings.optional(),
    retry: RetrySettings.optional(),
  })
  .openapi("AgentUpdate");
export type AgentUpdate = z.infer<typeof AgentUpdate>;

/** What is kept in `agents.settings`. */
export type AgentSettings = Omit<AgentCreate, "name" | "provider">;

export const Agent = z
  .object({
    id: z.string(),
    name: z.string(),
    provider: ProviderName,
    prompt: z.string().nullable(),
    greeting: z.string().nullable(),
    assistantType: z.enum(ASSISTANT_TYPES).nullable(),
    voice: z.string().nullable(),
    language: z.string(),
    maxDurationSeconds: z.number().int(),
    simulator: SimulatorSettings.nullable(),
    retry: RetrySettings,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Agent");
export type Agent = z.infer<typeof Agent>;
