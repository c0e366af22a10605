import type { CallProvider, PlaceCallRequest, PlacedCall } from "../types";
import { simulatorScript, type SimulatedOutcome, type SimulatorOptions } from "./script";

export const DEFAULT_SIMULATOR_OPTIONS: SimulatorOptions = { outcome: "human", durationMs: 10_000 };

/**
 * The built-in provider: no account, no network. It answers at once and hands back a script
 * of lifecycle events that the call's Durable Object plays on its alarms.
 */
export function createSimulatorProvider(defaults: Partial<SimulatorOptions> = {}): CallProvider {
  return {
    name: "simulator",
    async placeCall(request: PlaceCallRequest): Promise<PlacedCall> {
      const options = resolveOptions(request.agent.settings.simulator, defaults);
      return {
        providerCallId: `sim_${request.callId}`,
        script: simulatorScript(options, {
          greeting: stringOrNull(request.agent.settings.greeting),
          reason: request.reason,
          agentName: request.agent.name,
        }),
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

export { simulatorScript, type SimulatedOutcome, type SimulatorOptions };
