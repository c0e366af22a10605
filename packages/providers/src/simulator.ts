import { ProviderError, type CallProvider, type PlaceCallRequest, type PlacedCall, type ScheduledProviderEvent, type TranscriptTurn } from "./types";

export type SimulatedOutcome = "human" | "voicemail" | "no_answer" | "busy";

export interface SimulatorOptions {
  outcome: SimulatedOutcome;
  /** From placing the call to its last event. */
  durationMs: number;
}

export interface ScriptContext {
  greeting: string | null;
  reason: string | null;
  agentName: string;
}

/**
 * The events the simulator plays for one call. Fractions of `durationMs` keep the shape of a
 * real call (ring, talk, summarize) whatever the total.
 */
export function simulatorScript(options: SimulatorOptions, ctx: ScriptContext): ScheduledProviderEvent[] {
  const at = (fraction: number) => Math.round(options.durationMs * fraction);
  switch (options.outcome) {
    case "busy":
      return [
        { afterMs: at(0.1), event: { status: "dialing" } },
        { afterMs: at(0.2), event: { status: "failed", outcome: "busy", detail: { sip: 486 } } },
      ];
    case "no_answer":
      return [
        { afterMs: at(0.1), event: { status: "dialing" } },
        { afterMs: at(0.6), event: { status: "failed", outcome: "no_answer", detail: { sip: 480 } } },
      ];
    case "voicemail": {
      const transcript: TranscriptTurn[] = [
        { role: "patient", text: "You have reached the voicemail box. Please leave a message after the tone." },
        { role: "agent", text: voicemailMessage(ctx) },
      ];
      return [
        { afterMs: at(0.1), event: { status: "dialing" } },
        // Answering-machine detection happens at pickup, as with real carriers, so a client can hang up there.
        { afterMs: at(0.3), event: { status: "in-progress", outcome: "voicemail" } },
        { afterMs: at(0.8), event: { status: "summarizing", outcome: "voicemail", transcript } },
        {
          afterMs: at(1),
          event: {
            status: "completed",
            outcome: "voicemail",
            finalReport: {
              outcome: "voicemail",
              summary: "Reached voicemail and left a message asking the patient to call back.",
              patient_confirmed: false,
              call_successful: false,
            },
          },
        },
      ];
    }
    case "human": {
      const transcript = conversation(ctx);
      return [
        { afterMs: at(0.1), event: { status: "dialing" } },
        { afterMs: at(0.3), event: { status: "in-progress", outcome: "human" } },
        { afterMs: at(0.85), event: { status: "summarizing", outcome: "human", transcript } },
        {
          afterMs: at(1),
          event: {
            status: "completed",
            outcome: "human",
            finalReport: {
              outcome: "human",
              summary: `The patient answered, heard the reason for the call${ctx.reason ? ` (${ctx.reason})` : ""} and confirmed.`,
              patient_confirmed: true,
              call_successful: true,
              sentiment: "positive",
              turns: transcript.length,
            },
          },
        },
      ];
    }
  }
}

function conversation(ctx: ScriptContext): TranscriptTurn[] {
  return [
    { role: "agent", text: ctx.greeting ?? `Hello, this is ${ctx.agentName} calling from your clinic.` },
    { role: "patient", text: "Hi, yes, this is me." },
    { role: "agent", text: ctx.reason ? `I'm calling about: ${ctx.reason}. Can you confirm?` : "I'm calling to confirm your upcoming visit. Can you confirm?" },
    { role: "patient", text: "Yes, that works for me. Thank you." },
    { role: "agent", text: "Great, you're all set. Goodbye!" },
  ];
}

function voicemailMessage(ctx: ScriptContext): string {
  return `Hello, this is ${ctx.agentName} from your clinic${ctx.reason ? ` about ${ctx.reason}` : ""}. Please call us back.`;
}

export const DEFAULT_SIMULATOR_OPTIONS: SimulatorOptions = { outcome: "human", durationMs: 10_000 };

/**
 * How a simulator misbehaves on purpose (fault injection in tests and the soak; never set in
 * production): it can be slow, refuse, or send its events twice or out of order, as vendors do.
 */
export interface SimulatorHooks {
  /** Runs as a dial reaches the simulator, before it answers: may wait (a stall) or throw a ProviderError (a 5xx). */
  dial?(request: PlaceCallRequest): Promise<void>;
  /** Rewrites the events the simulator will send for a call. */
  script?(request: PlaceCallRequest, script: ScheduledProviderEvent[]): ScheduledProviderEvent[];
  /** How long a dial may take before it counts as a timeout, as for any vendor; 10 s when absent. */
  timeoutMs?: number;
}

const DEFAULT_DIAL_TIMEOUT_MS = 10_000;

/**
 * The built-in provider: no account, no network. It answers at once and hands back a script
 * of lifecycle events that the call's Durable Object plays on its alarms.
 */
export function createSimulatorProvider(defaults: Partial<SimulatorOptions> = {}, hooks: SimulatorHooks = {}): CallProvider {
  return {
    name: "simulator",
    async placeCall(request: PlaceCallRequest): Promise<PlacedCall> {
      if (hooks.dial) await withinTimeout(hooks.dial(request), hooks.timeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS);
      const options = resolveOptions(request.agent.settings.simulator, defaults);
      const script = simulatorScript(options, {
        greeting: stringOrNull(request.agent.settings.greeting),
        reason: request.reason,
        agentName: request.agent.name,
      });
      return {
        // Per attempt, as a vendor's call id is: the first keeps the id it always had.
        providerCallId: request.attempt > 1 ? `sim_${request.callId}_${request.attempt}` : `sim_${request.callId}`,
        script: hooks.script ? hooks.script(request, script) : script,
      };
    },
    async hangup() {
      // Nothing on a line to drop: the call object discards the rest of the script.
    },
  };
}

function resolveOptions(fromAgent: unknown, defaults: Partial<SimulatorOptions>): SimulatorOptions {
  const agent = (fromAgent ?? {}) as Partial<SimulatorOptions>;
  return {
    outcome: (agent.outcome ?? defaults.outcome ?? DEFAULT_SIMULATOR_OPTIONS.outcome) as SimulatedOutcome,
    durationMs: agent.durationMs ?? defaults.durationMs ?? DEFAULT_SIMULATOR_OPTIONS.durationMs,
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** A dial that takes longer than `ms` fails as a vendor timeout does (the dial may still have happened). */
async function withinTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProviderError(`simulator did not answer within ${ms} ms`, true)), ms);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

/** Every event twice, the second a little later: a vendor retrying its webhooks. */
export function duplicatedScript(script: ScheduledProviderEvent[]): ScheduledProviderEvent[] {
  return script.flatMap((entry) => [entry, { afterMs: entry.afterMs + 1, event: entry.event }]);
}

/** Neighbouring events swap times: webhooks arriving out of order. */
export function reorderedScript(script: ScheduledProviderEvent[]): ScheduledProviderEvent[] {
  const out = script.map((entry) => ({ ...entry }));
  for (let i = 0; i + 1 < out.length; i += 2) {
    const first = out[i]!;
    const second = out[i + 1]!;
    [first.afterMs, second.afterMs] = [second.afterMs, first.afterMs];
  }
  return out.sort((a, b) => a.afterMs - b.afterMs);
}
