import { createSimulatorProvider } from "./simulator";
import type { CallProvider } from "./types";

export interface ProviderConfig {
  /** Simulator: default end-to-end duration when the agent sets none. */
  simulatorDurationMs?: number;
}

/** The adapter for a provider name. Unknown names are a programming error: agents are validated on write. */
export function createProvider(name: string, config: ProviderConfig = {}): CallProvider {
  switch (name) {
    case "simulator":
      return createSimulatorProvider(
        config.simulatorDurationMs === undefined ? {} : { durationMs: config.simulatorDurationMs },
      );
    default:
      throw new Error(`unknown provider ${name}`);
  }
}
