import type { CallCreate } from "@switchboard/schemas";
import type { CreatedBatch } from "../calls/place";
import type { CallEffect } from "../objects/call/effects";
import type { Env } from "../env";
import { iso } from "../lib/time";
import { emitEvents, type EventToEmit } from "./emit";
import { errorSummary } from "../lib/log-safe";

/**
 * `call.status_changed` for every transition the call object writes, plus `call.completed` (with
 * the final report) or `call.failed` when it ends. Keyed by call id and history seq, so a replayed
 * effect emits nothing new.
 */
export const emitCallWebhooks: CallEffect = async (env, call, written) => {
  const events: EventToEmit[] = [];
  for (const entry of written) {
    if (entry.to === null || entry.from === null) continue;
    const key = `call:${call.callId}:${entry.seq}`;
    const outcome = (entry.detail?.outcome as string | undefined) ?? null;
    events.push({
      type: "call.status_changed",
      key: `${key}:status_changed`,
      data: { call_id: call.callId, previous_status: entry.from, status: entry.to, outcome, changed_at: iso(entry.at) },
    });
    const ended = { call_id: call.callId, status: entry.to, outcome: call.outcome, started_at: iso(call.startedAt), ended_at: iso(call.endedAt) };
    if (entry.to === "completed") {
      const duration = call.startedAt !== null && call.endedAt !== null ? Math.round((call.endedAt - call.startedAt) / 1000) : null;
      events.push({ type: "call.completed", key: `${key}:completed`, data: { ...ended, duration, final_report: call.finalReport } });
    } else if (entry.to === "failed") {
      events.push({ type: "call.failed", key: `${key}:failed`, data: ended });
    }
  }
  await emitEvents(env, call.tenantId, events);
};

/**
 * `call.created` for each call of a new batch (the create request writes their first history row
 * itself, so the call objects never see it). A failure is logged, not thrown: the calls exist, and
 * failing the request would invite a retry that places them twice.
 */
export async function emitCallsCreated(env: Pick<Env, "DB" | "WEBHOOKS">, tenantId: string, batch: CreatedBatch, body: CallCreate) {
  const events: EventToEmit[] = batch.calls.map((call, i) => ({
    type: "call.created",
    key: `call:${call.callId}:0`,
    data: {
      call_id: call.callId,
      batch_id: batch.batchId,
      agent_id: body.agentId,
      patient_id: body.patients[i]?.patientId ?? null,
      status: call.status,
      scheduled_at: iso(batch.scheduledAt),
    },
  }));
  try {
    await emitEvents(env, tenantId, events);
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "call.created emit failed", batchId: batch.batchId, error: errorSummary(error) }));
  }
}
