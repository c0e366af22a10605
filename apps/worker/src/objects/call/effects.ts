import { hangupOnNoHuman } from "./no-human-hangup";
import type { Env } from "../../env";
import { emitCallWebhooks } from "../../customer-webhooks/call-events";
import { giveBackLine } from "./line-effect";
import type { CallSnapshot, OutboxEntry } from "./write-through";
import { errorSummary } from "../../lib/log-safe";

/**
 * Work that follows a call's history once it is in D1: giving back a line, telling customers,
 * scheduling a retry. Effects run after every successful write-through, with the entries just
 * written; a crash before they finish replays them with the next write, so each must be idempotent
 * (key on call id + seq).
 */
export type CallEffect = (env: Env, call: CallSnapshot & { provider: string }, written: readonly OutboxEntry[]) => Promise<void>;

/** Register effects here, one line each. */
export const CALL_EFFECTS: CallEffect[] = [giveBackLine, hangupOnNoHuman, emitCallWebhooks];

export async function runCallEffects(env: Env, call: CallSnapshot & { provider: string }, written: readonly OutboxEntry[]) {
  for (const effect of CALL_EFFECTS) {
    try {
      await effect(env, call, written);
    } catch (error) {
      console.error(JSON.stringify({ level: "error", msg: "call effect failed", callId: call.callId, error: errorSummary(error) }));
    }
  }
}
