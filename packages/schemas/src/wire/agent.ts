import { z } from "@hono/zod-openapi";

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

const agentFields = {
  name: z.string().trim().min(1, "name is required").max(200),
  provider: ProviderName,
  prompt: z.string().max(20_000).nullish(),
  greeting: z.string().max(2_000).nullish(),
  assistantType: z.enum(ASSISTANT_TYPES).nullish(),
  voice: z.string().max(200).nullish(),
  language: z.string().max(35).default("en-US"),
  /** The language model, as `<vendor>.<model>` (e.g. `openai.gpt-4o`). */
  model: z.string().max(200).nullish().openapi({ example: "openai.gpt-4o" }),
  /** Who speaks the agent's voice (text to speech), e.g. `elevenlabs`, `azure`, `cartesia`. */
  ttsProvider: z.string().max(100).nullish().openapi({ example: "elevenlabs" }),
  /** Who transcribes the patient (speech to text), e.g. `deepgram`. */
  sttProvider: z.string().max(100).nullish().openapi({ example: "deepgram" }),
  /** A call live longer than this is ended by the watchdog. */
  maxDurationSeconds: z.number().int().min(30).max(7_200).default(900),
  simulator: SimulatorSettings.optional(),
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
    model: agentFields.model,
    ttsProvider: agentFields.ttsProvider,
    sttProvider: agentFields.sttProvider,
    maxDurationSeconds: z.number().int().min(30).max(7_200).optional(),
    simulator: SimulatorSettings.optional(),
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
    model: z.string().nullable(),
    ttsProvider: z.string().nullable(),
    sttProvider: z.string().nullable(),
    maxDurationSeconds: z.number().int(),
    simulator: SimulatorSettings.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Agent");
export type Agent = z.infer<typeof Agent>;
