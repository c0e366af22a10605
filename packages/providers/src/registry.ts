import { DEFAULT_TIMEOUT_MS, type VendorHttp } from "./http";
import { createLiveKitProvider } from "./livekit";
import { createRetellProvider } from "./retell";
import { createSimulatorProvider, type SimulatorHooks } from "./simulator";
import type { CallProvider } from "./types";
import { createVocodeProvider } from "./vocode";
import { createVoipbinProvider } from "./voipbin";

/** A tenant's account on a vendor, opened: what `PUT /api/v1/providers/{provider}` stored. */
export interface VendorCredentials {
  apiKey: string;
  apiSecret?: string | null;
  baseUrl?: string | null;
  fromNumber?: string | null;
  options: Record<string, unknown>;
}

export interface ProviderConfig {
  /** Simulator: default end-to-end duration when the agent sets none. */
  simulatorDurationMs?: number;
  /** Simulator: fault injection (tests and the soak only). */
  simulatorHooks?: SimulatorHooks;
  /** Vendors: the tenant's credentials. */
  credentials?: VendorCredentials;
  /** Vendors: how to reach them (the runtime's fetch; tests hand in the same one, behind fake vendors). */
  fetch?: typeof fetch;
}

/** The adapter for a provider name. Unknown names, or a vendor without credentials, are programming errors. */
export function createProvider(name: string, config: ProviderConfig = {}): CallProvider {
  if (name === "simulator") {
    return createSimulatorProvider(config.simulatorDurationMs === undefined ? {} : { durationMs: config.simulatorDurationMs }, config.simulatorHooks);
  }
  const c = config.credentials;
  if (!c) throw new Error(`provider ${name} needs credentials`);
  const options = c.options;
  const http: VendorHttp = {
    // Late-bound: the runtime's fetch as it is when the request is made.
    fetch: config.fetch ?? ((input, init) => fetch(input, init)),
    timeoutMs: typeof options.timeoutMs === "number" ? options.timeoutMs : DEFAULT_TIMEOUT_MS,
  };
  switch (name) {
    case "retell":
      return createRetellProvider({ apiKey: c.apiKey, webhookKey: c.apiSecret, baseUrl: c.baseUrl, fromNumber: c.fromNumber }, http);
    case "livekit":
      return createLiveKitProvider(
        {
          apiKey: c.apiKey,
          apiSecret: required(c.apiSecret, "livekit apiSecret"),
          baseUrl: required(c.baseUrl, "livekit baseUrl"),
          fromNumber: c.fromNumber,
          sipTrunkId: required(options.sipTrunkId as string | undefined, "livekit options.sipTrunkId"),
          agentName: (options.agentName as string | undefined) ?? null,
          ringingTimeoutSeconds: options.ringingTimeoutSeconds as number | undefined,
          krispEnabled: options.krispEnabled as boolean | undefined,
        },
        http,
      );
    case "vocode":
      return createVocodeProvider(
        {
          apiKey: c.apiKey,
          baseUrl: c.baseUrl,
          fromNumber: c.fromNumber,
          onNoHumanAnswer: options.onNoHumanAnswer as "continue" | "hangup" | undefined,
          runDoNotCallDetection: options.runDoNotCallDetection as boolean | undefined,
          hipaaCompliant: options.hipaaCompliant as boolean | undefined,
        },
        http,
      );
    case "voipbin":
      return createVoipbinProvider(
        {
          apiKey: c.apiKey,
          webhookSecret: required(c.apiSecret, "voipbin apiSecret"),
          baseUrl: c.baseUrl,
          fromNumber: c.fromNumber,
          talkDurationSeconds: options.talkDurationSeconds as number | undefined,
        },
        http,
      );
    default:
      throw new Error(`unknown provider ${name}`);
  }
}

function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined || value === "") throw new Error(`${what} is required`);
  return value;
}
