import { ProviderError, type PlaceCallRequest, type PlacedCall } from "@switchboard/providers";
import type { CallOutcome } from "@switchboard/schemas";
import type { PlannedProvider } from "../../voice/adapters";

export interface PlacementHooks {
  /** A history entry on the call. */
  note(type: string, detail: Record<string, unknown>): void;
  /** The provider now being tried: events from it belong to the call from this moment. */
  attempting(provider: string): void;
  /** False once the call was hung up (or ended) while a vendor was being asked. */
  stillWanted(): boolean;
}

export type PlacementResult =
  | { placed: PlacedCall; provider: string }
  | { placed: null; outcome: CallOutcome; reason: string };

/**
 * Places the call on the first provider that takes it. A refusal that another vendor might not
 * share (5xx, timeout, unreachable, concurrency or account limits) moves the call to the next
 * provider; a refusal of the input itself (an invalid number) ends the attempts. Each attempt and
 * each move is written to the call's history.
 */
export async function placeWithFailover(plan: PlannedProvider[], request: Omit<PlaceCallRequest, "remoteAgent">, hooks: PlacementHooks): Promise<PlacementResult> {
  let last = { outcome: "provider_error" as CallOutcome, reason: "no provider configured for this call" };
  for (const [index, provider] of plan.entries()) {
    if (!hooks.stillWanted()) break;
    const attempt = index + 1;
    hooks.attempting(provider.name);
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
      if (!failover) break;
      hooks.note("provider.failover", { from: provider.name, to: next.name, reason: refusal.message });
    }
  }
  return { placed: null, ...last };
}
