import { z } from "@hono/zod-openapi";
import { RETRYABLE_OUTCOMES } from "../lifecycle";
import { Purpose } from "../policy/purposes";

/** Providers an agent can run on: the built-in simulator and the voice vendors. */
export const PROVIDERS = ["simulator", "retell", "livekit", "vocode", "voipbin"] as const;
export const ProviderName = z.enum(PROVIDERS);
export type ProviderName = z.infer<typeof ProviderName>;

/** Providers that place real calls, with credentials the tenant stores (`PUT /api/v1/providers/{provider}`). */
export const VENDOR_PROVIDERS = ["retell", "livekit", "vocode", "voipbin"] as const;
export const VendorName = z.enum(VENDOR_PROVIDERS);
export type VendorName = z.infer<typeof VendorName>;

export function isVendor(provider: string): provider is VendorName {
  return (VENDOR_PROVIDERS as readonly string[]).includes(provider);
}

/** LiveKit may take its agent name from the tenant's LiveKit options; the others need the remote id here. */
const REMOTE_AGENT_REQUIRED: readonly ProviderName[] = ["retell", "vocode", "voipbin"];

export const AgentProviderRef = z
  .object({
    provider: ProviderName,
    agent: z
      .string()
      .trim()
      .min(1, "agent must not be empty")
      .max(200)
      .nullish()
      .openapi({ description: "The agent's id (or LiveKit agent name) on that vendor", example: "agent_abc" }),
  })
  .openapi("AgentProviderRef");
export type AgentProviderRef = z.infer<typeof AgentProviderRef>;

/** Where the agent runs, in order of preference: the first is primary, the rest are fallbacks. */
export const AgentProviders = z
  .array(AgentProviderRef, "providers must be an array")
  .min(1, "providers must name at least one provider")
  .max(PROVIDERS.length)
  .superRefine((refs, ctx) => {
    const seen = new Set<string>();
    refs.forEach((ref, i) => {
      if (seen.has(ref.provider)) ctx.addIssue({ code: "custom", path: [i, "provider"], message: `${ref.provider} is listed twice` });
      seen.add(ref.provider);
      if (REMOTE_AGENT_REQUIRED.includes(ref.provider) && !ref.agent) {
        ctx.addIssue({ code: "custom", path: [i, "agent"], message: `agent (the ${ref.provider} agent id) is required` });
      }
    });
  });

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

/**
 * Nested settings in a PATCH carry no defaults: a field left out keeps what is stored, so
 * `simulator: { outcome }` alone does not reset `durationMs`.
 */
export const SimulatorSettingsPatch = z
  .object({
    outcome: z.enum(SIMULATED_OUTCOMES).optional(),
    durationMs: z.number().int().min(0).max(600_000).optional(),
  })
  .openapi("SimulatorSettingsPatch");
export const RetrySettingsPatch = z
  .object({
    maxAttempts: z.number().int().min(1).max(10).optional(),
    spacingMinutes: z.number().int().min(1).max(10_080).optional(),
    on: z.array(z.enum(RETRYABLE_OUTCOMES)).min(1).optional(),
  })
  .openapi("RetrySettingsPatch");

const agentFields = {
  name: z.string().trim().min(1, "name is required").max(200),
  /** The primary provider; kept for agents with one provider (the simulator). */
  provider: ProviderName.optional(),
  providers: AgentProviders.optional(),
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
  retry: RetrySettings.optional(),
  /** What the agent's calls are for, unless a batch says otherwise. */
  purpose: Purpose.optional().openapi({ description: "What the agent's calls are for (a batch may say otherwise). Default: from `assistantType` (BILLER: billing, CALL_LAB_TECHNICIAN: lab_results, CALL_FOLLOW_UP: post_discharge_follow_up), else appointment_reminder" }),
  allowedPurposes: z
    .array(Purpose)
    .min(1, "allowedPurposes must name at least one purpose")
    .nullish()
    .openapi({ description: "Purposes the agent may be used for; a call for another is refused (`purpose_not_allowed`). Null: any" }),
};

/** `provider` alone, `providers` alone, or both when `provider` names the first of `providers`. */
/** An agent's own purpose must be one it allows. */
function purposeChoice(value: { purpose?: Purpose | undefined; allowedPurposes?: Purpose[] | null | undefined }, ctx: z.RefinementCtx) {
  if (value.purpose && value.allowedPurposes && !value.allowedPurposes.includes(value.purpose)) {
    ctx.addIssue({ code: "custom", path: ["purpose"], message: "purpose must be one of allowedPurposes" });
  }
}

function providerChoice(value: { provider?: ProviderName | undefined; providers?: AgentProviderRef[] | undefined }, ctx: z.RefinementCtx, required: boolean) {
  const { provider, providers } = value;
  if (!provider && !providers) {
    if (required) ctx.addIssue({ code: "custom", path: ["provider"], message: "provider or providers is required" });
    return;
  }
  if (provider && providers && providers[0]?.provider !== provider) {
    ctx.addIssue({ code: "custom", path: ["provider"], message: "provider must be the first of providers" });
  }
  if (provider && !providers && REMOTE_AGENT_REQUIRED.includes(provider)) {
    ctx.addIssue({ code: "custom", path: ["providers"], message: `providers (with the ${provider} agent id) is required for ${provider}` });
  }
}

export const AgentCreate = z
  .object(agentFields)
  .superRefine((value, ctx) => {
    providerChoice(value, ctx, true);
    purposeChoice(value, ctx);
  })
  .openapi("AgentCreate");
export type AgentCreate = z.infer<typeof AgentCreate>;

export const AgentUpdate = z
  .object({
    name: agentFields.name.optional(),
    provider: ProviderName.optional(),
    providers: AgentProviders.optional(),
    prompt: agentFields.prompt,
    greeting: agentFields.greeting,
    assistantType: agentFields.assistantType,
    voice: agentFields.voice,
    language: z.string().max(35).optional(),
    model: agentFields.model,
    ttsProvider: agentFields.ttsProvider,
    sttProvider: agentFields.sttProvider,
    maxDurationSeconds: z.number().int().min(30).max(7_200).optional(),
    simulator: SimulatorSettingsPatch.optional(),
    retry: RetrySettingsPatch.optional(),
    purpose: agentFields.purpose,
    allowedPurposes: agentFields.allowedPurposes,
  })
  .superRefine((value, ctx) => {
    providerChoice(value, ctx, false);
    purposeChoice(value, ctx);
  })
  .openapi("AgentUpdate");
export type AgentUpdate = z.infer<typeof AgentUpdate>;

/** What is kept in `agents.settings` (the ordered provider list included). */
export type AgentSettings = Omit<AgentCreate, "name" | "provider" | "providers"> & { providers?: AgentProviderRef[] };

/** The ordered provider list of an agent as created or updated: `providers`, or `provider` alone. */
export function providerList(input: { provider?: ProviderName | undefined; providers?: AgentProviderRef[] | undefined }): AgentProviderRef[] | undefined {
  if (input.providers) return input.providers.map((p) => ({ provider: p.provider, agent: p.agent ?? null }));
  if (input.provider) return [{ provider: input.provider, agent: null }];
  return undefined;
}

export const Agent = z
  .object({
    id: z.string(),
    name: z.string(),
    /** The primary provider: the first of `providers`. */
    provider: ProviderName,
    providers: z.array(AgentProviderRef),
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
    retry: RetrySettings,
    purpose: Purpose,
    allowedPurposes: z.array(Purpose).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Agent");
export type Agent = z.infer<typeof Agent>;

/** The purpose of an agent's calls when it names none: what its assistant type is for, else a reminder. */
export const ASSISTANT_TYPE_PURPOSES: Readonly<Record<(typeof ASSISTANT_TYPES)[number], Purpose>> = {
  BILLER: "billing",
  CALL_REMINDER: "appointment_reminder",
  CALL_FOLLOW_UP: "post_discharge_follow_up",
  CALL_LAB_TECHNICIAN: "lab_results",
};
export const DEFAULT_PURPOSE: Purpose = "appointment_reminder";

export function agentPurpose(settings: { purpose?: unknown; assistantType?: unknown }): Purpose {
  const parsed = Purpose.safeParse(settings.purpose);
  if (parsed.success) return parsed.data;
  const type = settings.assistantType as keyof typeof ASSISTANT_TYPE_PURPOSES;
  return ASSISTANT_TYPE_PURPOSES[type] ?? DEFAULT_PURPOSE;
}
