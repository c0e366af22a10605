import type { CallStatus } from "@switchboard/schemas";
import type { Env } from "../env";

const START_CONCURRENCY = 20;

/**
 * Hands calls to their Durable Objects to be dialed. The status reported back is the one the call
 * was created in: what happens next is visible through GET.
 */
export async function startCalls(env: Env, calls: { callId: string; status: CallStatus }[]) {
  let next = 0;
  const worker = async () => {
    while (next < calls.length) {
      const call = calls[next++]!;
      try {
        await env.CALLS.get(env.CALLS.idFromName(call.callId)).start(call.callId);
      } catch (error) {
        // The call stays `initiating` in D1 and is ended by the watchdog; log only its id.
        console.error(JSON.stringify({ level: "error", msg: "call start failed", callId: call.callId, error: String(error) }));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, calls.length) }, worker));
  return calls;
}

export function callStub(env: Env, callId: string) {
  return env.CALLS.get(env.CALLS.idFromName(callId));
}
