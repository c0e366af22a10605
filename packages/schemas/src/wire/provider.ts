import { z } from "@hono/zod-openapi";
import { VendorName } from "./agent";

/** Vendor calls and webhook cross-checks give up after this long (ms); a timeout counts as a refusal. */
const timeoutMs = z.number().int().min(500).max(30_000).optional().openapi({ description: "Per-request timeout to the vendor, ms (default 10000)" });

const LiveKitOptions = z.strictObject({
  sipTrunkId: z.string().trim().min(1, "options.sipTrunkId (your LiveKit outbound trunk, ST_...) is required"),
  agentName: z.string().trim().min(1).max(200).optional().openapi({ description: "Agent to dispatch when an agent's providers entry names none" }),
  ringingTimeoutSeconds: z.number().int().min(5).max(120).optional(),
  krispEnabled: z.boolean().optional(),
  timeoutMs,
});
const VocodeOptions = z.strictObject({
  onNoHumanAnswer: z.enum(["continue", "hangup"]).optional(),
  runDoNotCallDetection: z.boolean().optional(),
  hipaaCompliant: z.boolean().optional(),
  timeoutMs,
});
const VoipbinOptions = z.strictObject({
  /** Cap on the AI talk, seconds; defaults to the agent's maxDurationSeconds. */
  talkDurationSeconds: z.number().int().min(30).max(7_200).optional(),
  timeoutMs,
});
const RetellOptions = z.strictObject({ timeoutMs });

/** Per-vendor options, validated when the credentials are stored. */
export const PROVIDER_OPTIONS = {
  retell: RetellOptions,
  livekit: LiveKitOptions,
  vocode: VocodeOptions,
  voipbin: VoipbinOptions,
} as const satisfies Record<VendorName, z.ZodType>;

export const ProviderCredentialsInput = z
  .object({
    apiKey: z.string("apiKey is required").trim().min(1, "apiKey is required").max(1_000),
    apiSecret: z.string().trim().min(1).max(1_000).optional().openapi({
      description: "LiveKit: API secret. VoIPbin: the customer's webhook signing secret. Retell: a separate webhook-enabled API key, if the calling key is not one.",
    }),
    baseUrl: z
      .url({ protocol: /^(https?|wss?)$/, error: "baseUrl must be an http(s) URL (LiveKit also takes wss)" })
      .max(500)
      .optional()
      .openapi({ description: "Overrides the vendor's default API host (required for LiveKit: your project URL)", example: "https://my-project.livekit.cloud" }),
    fromNumber: z.string().trim().min(1).max(40).optional().openapi({ description: "Caller id in E.164 (required for Retell, Vocode and VoIPbin)", example: "+15555550100" }),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("ProviderCredentialsInput");
export type ProviderCredentialsInput = z.infer<typeof ProviderCredentialsInput>;

export const ProviderCredentials = z
  .object({
    provider: VendorName,
    apiKey: z.string().openapi({ description: "Masked: only its last characters", example: "••••a1b2" }),
    apiSecret: z.string().nullable().openapi({ description: "Masked, or null when not set" }),
    baseUrl: z.string().nullable(),
    fromNumber: z.string().nullable(),
    options: z.record(z.string(), z.unknown()),
    webhookUrl: z.string().openapi({ description: "Paste this into the vendor's console as the webhook (event) URL" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("ProviderCredentials");
export type ProviderCredentials = z.infer<typeof ProviderCredentials>;

export const ProviderCredentialsList = z.object({ data: z.array(ProviderCredentials) }).openapi("ProviderCredentialsList");

export const UnmatchedWebhook = z
  .object({
    id: z.string(),
    provider: VendorName,
    eventType: z.string(),
    callId: z.string().nullable(),
    providerCallId: z.string().nullable(),
    payload: z.string(),
    receivedAt: z.string(),
  })
  .openapi("UnmatchedWebhook");

/** One provider's record over a period, from the calls' own histories. */
export const ProviderHealth = z
  .object({
    provider: z.string().openapi({ description: "`simulator` or a vendor", example: "retell" }),
    attempts: z.number().int().openapi({ description: "Placements tried (each vendor request to start a call)" }),
    placements: z.number().int().openapi({ description: "Calls the provider took" }),
    failures: z.number().int().openapi({ description: "Placements it refused or failed (error, timeout, unreachable)" }),
    failovers: z.number().int().openapi({ description: "Calls moved from it to the agent's next provider" }),
    answered: z.number().int().openapi({ description: "Calls on it that someone picked up" }),
    medianTimeToAnswerSeconds: z.number().nullable().openapi({ description: "Median time from dialing to pickup of those calls; null when none was answered" }),
  })
  .openapi("ProviderHealth");
export type ProviderHealth = z.infer<typeof ProviderHealth>;

export const ProviderHealthReport = z
  .object({
    since: z.string(),
    until: z.string(),
    data: z.array(ProviderHealth).openapi({ description: "Every provider with activity in the period, and every configured vendor (zeros when idle)" }),
  })
  .openapi("ProviderHealthReport");

export const ProviderHealthQuery = z.object({
  hours: z.coerce
    .number({ error: "hours must be an integer between 1 and 168" })
    .int("hours must be an integer between 1 and 168")
    .min(1, "hours must be an integer between 1 and 168")
    .max(168, "hours must be an integer between 1 and 168")
    .default(24)
    .openapi({ description: "The period: this many hours up to now (default 24)", example: 24 }),
});
