import { tenantDatabase } from "../../shards/directory";
import { ProviderError, type CallProvider, type PlaceCallRequest, type PlacedCall } from "@switchboard/providers";
import { isTerminal, type CallOutcome } from "@switchboard/schemas";
import type { Env } from "../../env";
import { createDb } from "../../lib/db";
import { agentProviderRefs, loadAdapter, planProviders, startingWith, type PlannedProvider } from "../../voice/adapters";
import type { CallJournal, CallRecord } from "./journal";
import { end } from "./rules";

/**
 * Places the call on the agent's providers, its own first, failing over as `placeWithFailover`
 * decides. Before each vendor is asked, the attempt's placement is stored as `dialing` (a vendor may
 * dial from then on, so a restart must not plan it again). `dialed` runs once a vendor has taken the
 * call, before that is recorded. Throws only while planning (before any vendor is asked): reading
 * the vendors, opening credentials. Says whether a vendor took the call: `not_placed` only when
 * every vendor answered that it would not (a timeout or a dropped connection may have rung the
 * patient: `unknown`).
 */
export async function place(
  env: Env,
  journal: CallJournal,
  record: CallRecord,
  dialed: () => void = () => undefined,
): Promise<"placed" | "not_placed" | "unknown"> {
  const state = journal.state!;
  const attempt = state.attempt;
  const settings = JSON.parse(record.agent_settings) as Record<string, unknown>;
  const db = createDb(await tenantDatabase(env, record.tenant_id));
  const refs = startingWith(agentProviderRefs(record.agent_provider, settings), record.provider);
  const { plan, skipped } = await planProviders(env, db, record.tenant_id, refs);
  for (const provider of skipped) journal.note("provider.skipped", { provider, reason: "not configured for this tenant" });
  const thisAttempt = () => state.status === "initiating" && state.attempt === attempt;
  const result = await placeWithFailover(
    plan,
    {
      callId: record.id,
      attempt,
      toNumber: record.phone_number,
      agent: { id: record.agent_id, name: record.agent_name, settings },
      metadata: record.client_metadata ? JSON.parse(record.client_metadata) : {},
      reason: record.reason,
      recording: record.recording === 1,
      hipaaCompliant: record.hipaa_compliant === 1,
    },
    {
      note: (type, detail) => journal.note(type, detail),
      attempting: async (provider) => {
        state.provider = provider;
        if (state.placement) state.placement.phase = "dialing";
        await journal.persistDurably();
      },
      stillWanted: thisAttempt,
    },
  );
  if (!result.placed) {
    if (thisAttempt()) end(journal, "failed", result.outcome, "provider.failed", { provider: state.provider, reason: result.reason });
    return result.answered ? "not_placed" : "unknown";
  }
  dialed();
  journal.note("provider.placed", { provider: result.provider, providerCallId: result.placed.providerCallId });
  if (state.attempt !== attempt) return "placed";
  state.providerCallId = result.placed.providerCallId;
  if (isTerminal(state.status)) {
    // Ended while the vendor was placing it (hung up, or given up by the watchdog): drop the line it just opened.
    await hangupAtProvider(env, journal, result.placed.providerCallId);
    return "placed";
  }
  if (state.status === "initiating") {
    const now = Date.now();
    journal.script = (result.placed.script ?? []).map((s) => ({ dueAt: now + s.afterMs, event: s.event }));
  }
  return "placed";
}

/** The adapter of the provider holding the call; null when its credentials are gone. */
export async function adapterFor(env: Env, journal: CallJournal): Promise<CallProvider | null> {
  const state = journal.state!;
  return loadAdapter(env, createDb(await tenantDatabase(env, state.tenantId, "read")), state.tenantId, state.provider);
}

/** Drops the vendor's line and records how that went. */
export async function hangupAtProvider(env: Env, journal: CallJournal, providerCallId: string) {
  const adapter = await adapterFor(env, journal);
  if (adapter) await safeHangup(journal, adapter, providerCallId);
  else {
    journal.note("provider.hangup_failed", { provider: journal.state!.provider, message: "the provider's credentials were removed" });
    await journal.commit();
  }
}

async function safeHangup(journal: CallJournal, provider: CallProvider, providerCallId: string) {
  try {
    await provider.hangup(providerCallId);
    journal.note("provider.hangup", { provider: provider.name });
  } catch (error) {
    journal.note("provider.hangup_failed", { provider: provider.name, message: error instanceof Error ? error.message : "unknown" });
  }
  await journal.commit();
}

export interface PlacementHooks {
  /** A history entry on the call. */
  note(type: string, detail: Record<string, unknown>): void;
  /** The provider now being tried: events from it belong to the call from this moment. Resolves once that is stored. */
  attempting(provider: string): Promise<void>;
  /** False once the call was hung up (or ended) while a vendor was being asked. */
  stillWanted(): boolean;
}

export type PlacementResult =
  | { placed: PlacedCall; provider: string }
  | { placed: null; outcome: CallOutcome; reason: string; answered: boolean };

/**
 * Places the call on the first provider that takes it. A refusal that another vendor might not
 * share (5xx, timeout, unreachable, concurrency or account limits) moves the call to the next
 * provider; a refusal of the input itself (an invalid number) ends the attempts. Each attempt and
 * each move is written to the call's history.
 */
export async function placeWithFailover(plan: PlannedProvider[], request: Omit<PlaceCallRequest, "remoteAgent">, hooks: PlacementHooks): Promise<PlacementResult> {
  let last = { outcome: "provider_error" as CallOutcome, reason: "no provider configured for this call" };
  // Every vendor asked answered with its refusal (an HTTP status): none of them rang anyone.
  let answered = true;
  for (const [index, provider] of plan.entries()) {
    if (!hooks.stillWanted()) break;
    const attempt = index + 1;
    await hooks.attempting(provider.name);
    hooks.note("provider.attempt", { provider: provider.name, attempt });
    try {
      const placed = await provider.adapter.placeCall({ ...request, remoteAgent: provider.remoteAgent });
      return { placed, provider: provider.name };
    } catch (error) {
      const refusal = error instanceof ProviderError ? error : new ProviderError("provider unavailable", true);
      const next = plan[index + 1];
      const failover = refusal.retryable && next !== undefined;
      hooks.note("provider.refused", {
        provider: provider.name,
        attempt,
        reason: refusal.message,
        ...(refusal.status ? { status: refusal.status } : {}),
        retryable: refusal.retryable,
      });
      last = { outcome: refusal.outcome, reason: refusal.message };
      if (!refusal.status) answered = false;
      if (!failover) break;
      hooks.note("provider.failover", { from: provider.name, to: next.name, reason: refusal.message });
    }
  }
  return { placed: null, ...last, answered };
}
