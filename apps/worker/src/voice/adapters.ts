import { inArray, and, eq } from "drizzle-orm";
import { createProvider, duplicatedScript, ProviderError, reorderedScript, type CallProvider, type ProviderConfig, type SimulatorHooks } from "@switchboard/providers";
import { isVendor, tables, type AgentProviderRef, type ProviderName } from "@switchboard/schemas";
import type { Env } from "../env";
import type { Db } from "../lib/db";
import { faultsAllowed, injectedFault, recordDial } from "../lib/faults";
import { getCredentialRow, openCredentials, type CredentialRow } from "./credentials";

/** An agent's providers in order of preference; agents from before the list have only `provider`. */
export function agentProviderRefs(agentProvider: string, settings: Record<string, unknown>): AgentProviderRef[] {
  const list = settings.providers as AgentProviderRef[] | undefined;
  return list?.length ? list : [{ provider: agentProvider as ProviderName, agent: null }];
}

/**
 * The agent's providers with `first` moved to the front: a call is tried first on the provider it
 * was created for (the agent's primary then, or the one a /comms client asked for), then on the
 * agent's others in order. A provider the agent no longer lists changes nothing.
 */
export function startingWith(refs: AgentProviderRef[], first: string): AgentProviderRef[] {
  const chosen = refs.filter((r) => r.provider === first);
  return chosen.length ? [...chosen, ...refs.filter((r) => r.provider !== first)] : refs;
}

function simulatorConfig(env: Env): ProviderConfig {
  const duration = Number(env.SIMULATOR_DURATION_MS);
  const config: ProviderConfig = Number.isFinite(duration) && duration >= 0 && env.SIMULATOR_DURATION_MS !== undefined ? { simulatorDurationMs: duration } : {};
  if (faultsAllowed(env)) config.simulatorHooks = simulatorFaults(env);
  return config;
}

/**
 * The simulator as a vendor that counts the dials it receives and misbehaves when a fault rule
 * says so (lib/faults.ts; test and development only).
 */
function simulatorFaults(env: Env): SimulatorHooks {
  return {
    async dial(request) {
      const fault = injectedFault(env, "simulator", request.callId, ["status-5xx", "stall"]);
      if (fault?.effect === "status-5xx") throw new ProviderError("simulator failing (HTTP 503)", true, 503);
      // Taken: from here the vendor has dialed, whether or not its answer reaches us in time.
      recordDial(env, request.callId, request.attempt);
      if (fault?.effect === "stall") await new Promise((resolve) => setTimeout(resolve, fault.ms ?? 60_000));
    },
    script(request, script) {
      const fault = injectedFault(env, "simulator", request.callId, ["duplicate", "reorder"]);
      if (fault?.effect === "duplicate") return duplicatedScript(script);
      if (fault?.effect === "reorder") return reorderedScript(script);
      return script;
    },
  };
}

export async function adapterFromRow(env: Env, row: CredentialRow): Promise<CallProvider> {
  return createProvider(row.provider, { credentials: await openCredentials(env, row) });
}

/** The adapter for one of a tenant's providers; null when the tenant has no credentials for that vendor. */
export async function loadAdapter(env: Env, db: Db, tenantId: string, provider: string): Promise<CallProvider | null> {
  if (!isVendor(provider)) return createProvider(provider, simulatorConfig(env));
  const row = await getCredentialRow(db, tenantId, provider);
  return row ? adapterFromRow(env, row) : null;
}

export interface PlannedProvider {
  name: string;
  remoteAgent: string | null;
  adapter: CallProvider;
}

/** The adapters to try, in the agent's order; vendors the tenant has (since) unconfigured are skipped. */
export async function planProviders(env: Env, db: Db, tenantId: string, refs: AgentProviderRef[]) {
  const plan: PlannedProvider[] = [];
  const skipped: string[] = [];
  for (const ref of refs) {
    const adapter = await loadAdapter(env, db, tenantId, ref.provider);
    if (adapter) plan.push({ name: ref.provider, remoteAgent: ref.agent ?? null, adapter });
    else skipped.push(ref.provider);
  }
  return { plan, skipped };
}

/** The vendors a tenant has configured, with their options: what `providerProblems` checks an agent against. */
export function configuredVendors(db: Db, tenantId: string) {
  const t = tables.providerCredentials;
  return db.select({ provider: t.provider, options: t.options }).from(t).where(eq(t.tenantId, tenantId));
}

/**
 * Why an agent's calls cannot be placed for this tenant, or null when they can: every vendor it
 * names must be configured, and LiveKit needs an agent name from the agent or the tenant's options.
 */
export function providerProblems(refs: AgentProviderRef[], vendorRows: readonly { provider: string; options: Record<string, unknown> }[]): string | null {
  const vendors = refs.filter((r) => isVendor(r.provider)).map((r) => r.provider);
  if (!vendors.length) return null;
  const configured = new Map(vendorRows.map((r) => [r.provider, r.options]));
  const missing = vendors.filter((v) => !configured.has(v));
  if (missing.length) {
    return `The agent runs on ${missing.join(", ")}, which this tenant has not configured: PUT /api/v1/providers/${missing[0]} first`;
  }
  const livekit = refs.find((r) => r.provider === "livekit");
  if (livekit && !livekit.agent && !configured.get("livekit")?.agentName) {
    return "The agent's livekit entry names no agent, and the tenant's LiveKit options have no agentName";
  }
  return null;
}
