import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { optOut } from "../../../src/consent/opt-outs";
import { createDb } from "../../../src/lib/db";
import { call } from "../../helpers/http";
import { createAgent, createPatient, createTenant } from "../../helpers/tenants";
import { createBatch, getCall, hangup, historyOf } from "../../helpers/calls";
import { inspect, playCall, tickDispatcher, waitingEntry } from "../../helpers/objects";

const MINUTE = 60_000;

async function placeOne(agentSettings: Record<string, unknown>, phoneNumber?: string) {
  const tenant = await createTenant();
  const key = tenant.apiKey;
  const agent = await createAgent(key, agentSettings);
  const patient = await createPatient(key, phoneNumber ? { phoneNumber } : {});
  const batch = await createBatch(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }] });
  return { tenant, key, callId: batch.calls[0]!.callId };
}

/** The moment the call's next attempt may start, from its latest retry event. */
async function nextAttemptAt(callId: string): Promise<number> {
  const retry = (await historyOf(callId)).filter((e) => e.type === "retry.scheduled").at(-1)!;
  return Date.parse(String(retry.detail!.nextAttemptAt));
}

describe("retries", () => {
  it("takes a retry policy on the agent, with defaults, and refuses a bad one", async () => {
    const tenant = await createTenant();
    const key = tenant.apiKey;
    const agent = await createAgent(key, { retry: { maxAttempts: 3 } });
    expect(agent.retry).toEqual({ maxAttempts: 3, spacingMinutes: 60, on: ["no_answer", "busy", "voicemail"] });
    for (const retry of [{ maxAttempts: 0 }, { maxAttempts: 11 }, { spacingMinutes: 0 }, { on: ["human"] }, { on: [] }]) {
      const res = await call("/api/v1/agents", { method: "POST", key, json: { name: "R", provider: "simulator", retry } });
      expect(res.status, JSON.stringify(retry)).toBe(400);
    }
  });

  it("tries an unanswered call again after the spacing, up to the agent's attempts, each attempt in the history", async () => {
    const { tenant, key, callId } = await placeOne({
      simulator: { outcome: "no_answer", durationMs: 100 },
      retry: { maxAttempts: 3, spacingMinutes: 5 },
    });

    for (const attempt of [1, 2]) {
      await playCall(callId, "awaiting-retry");
      const history = await historyOf(callId);
      const scheduled = history.filter((e) => e.type === "retry.scheduled").at(-1)!;
      expect(scheduled.detail).toMatchObject({ outcome: "no_answer", attempt, nextAttempt: attempt + 1 });
      const due = await nextAttemptAt(callId);
      expect(due - scheduled.at).toBe(5 * MINUTE);
      expect((await waitingEntry(tenant.id, callId, attempt + 1)).not_before).toBe(due);
      expect((await inspect(tenant.id)).live).toEqual([]);

      // Not a moment before the spacing has passed.
      await tickDispatcher(tenant.id, due - 1000);
      expect((await getCall(key, callId)).status).toBe("awaiting-retry");
      await tickDispatcher(tenant.id, due);
    }
    await playCall(callId, "failed");
    const ended = await getCall(key, callId);
    expect(ended.outcome).toBe("no_answer");

    const history = await historyOf(callId);
    expect(history.filter((e) => e.type === "dispatched").map((e) => e.detail!.attempt)).toEqual([1, 2, 3]);
    expect(history.filter((e) => e.type === "provider.placed")).toHaveLength(3);
    expect(history.filter((e) => e.type === "retry.scheduled")).toHaveLength(2);
    expect(history.at(-1)).toMatchObject({ to_status: "failed", detail: { outcome: "no_answer", attempt: 3 } });
    expect(await inspect(tenant.id)).toMatchObject({ live: [], waiting: [] });
  });

  it("retries voicemail and ends with the last attempt's outcome", async () => {
    const { tenant, key, callId } = await placeOne({
      simulator: { outcome: "voicemail", durationMs: 100 },
      retry: { maxAttempts: 2, spacingMinutes: 1 },
    });
    await playCall(callId, "awaiting-retry");
    await waitingEntry(tenant.id, callId, 2);
    await tickDispatcher(tenant.id, await nextAttemptAt(callId));
    await playCall(callId, "completed");
    const ended = await getCall(key, callId);
    expect(ended.outcome).toBe("voicemail");
    expect((await historyOf(callId)).filter((e) => e.type === "provider.placed")).toHaveLength(2);
  });

  it("never retries a call a person answered, or an outcome the agent does not retry", async () => {
    const answered = await placeOne({ simulator: { outcome: "human", durationMs: 100 }, retry: { maxAttempts: 3, spacingMinutes: 1 } });
    await playCall(answered.callId, "completed");
    const busyOnly = await placeOne({ simulator: { outcome: "no_answer", durationMs: 100 }, retry: { maxAttempts: 3, spacingMinutes: 1, on: ["busy"] } });
    await playCall(busyOnly.callId, "failed");
    for (const { callId } of [answered, busyOnly]) {
      expect((await historyOf(callId)).some((e) => e.type === "retry.scheduled")).toBe(false);
    }
  });

  it("never retries a call that was hung up", async () => {
    const { tenant, key, callId } = await placeOne({
      simulator: { outcome: "no_answer", durationMs: 600_000 },
      retry: { maxAttempts: 3, spacingMinutes: 1 },
    });
    expect((await hangup(key, callId)).status).toBe(200);
    expect(await getCall(key, callId)).toMatchObject({ status: "failed", outcome: "hung_up_by_api" });
    await tickDispatcher(tenant.id, Date.now() + 60 * MINUTE);
    expect(await inspect(tenant.id)).toMatchObject({ live: [], waiting: [] });
    expect((await historyOf(callId)).filter((e) => e.type === "provider.placed")).toHaveLength(1);
  });

  it("does not call again a patient who opted out between attempts", async () => {
    const phone = "+15555550977";
    const { tenant, key, callId } = await placeOne(
      { simulator: { outcome: "busy", durationMs: 100 }, retry: { maxAttempts: 3, spacingMinutes: 1 } },
      phone,
    );
    await playCall(callId, "awaiting-retry");
    await waitingEntry(tenant.id, callId, 2);
    await optOut(createDb(env.DB), { tenantId: tenant.id, phoneNumber: phone, source: "api" });
    await tickDispatcher(tenant.id, await nextAttemptAt(callId));
    // The dispatcher's run starts the attempt, which the contact policy refuses at once (outcome
    // refused, with its reason; it was outcome canceled, `dispatch.refused`).
    const ended = await getCall(key, callId);
    expect(ended.status).toBe("canceled");
    expect(ended.outcome).toBe("refused");
    const history = await historyOf(callId);
    expect(history.filter((e) => e.type === "provider.placed")).toHaveLength(1);
    expect(history.at(-1)).toMatchObject({ type: "policy.refused", from_status: "awaiting-retry", detail: { reason: "opted_out", attempt: 2 } });
    expect(await inspect(tenant.id)).toMatchObject({ live: [], waiting: [] });
  });

  it("ignores late provider news of an earlier attempt", async () => {
    const { tenant, key, callId } = await placeOne({
      simulator: { outcome: "no_answer", durationMs: 100 },
      retry: { maxAttempts: 2, spacingMinutes: 1 },
    });
    await playCall(callId, "awaiting-retry");
    await waitingEntry(tenant.id, callId, 2);
    const stub = env.CALLS.get(env.CALLS.idFromName(callId));
    expect(await stub.applyProviderEvent({ status: "dialing" })).toBe(false);
    expect(await stub.applyProviderEvent({ status: "completed", outcome: "human" })).toBe(false);
    expect((await getCall(key, callId)).status).toBe("awaiting-retry");
    expect((await inspect(tenant.id)).waiting).toHaveLength(1);
  });
});
