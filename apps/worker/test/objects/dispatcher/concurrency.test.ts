import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { optOut } from "../../../src/consent/opt-outs";
import type { TenantDispatcher } from "../../../src/objects/dispatcher/tenant-dispatcher";
import { createDb } from "../../../src/lib/db";
import { call } from "../../helpers/http";
import { createAgent, createPatient, createTenant, patchTenant } from "../../helpers/tenants";
import { createBatch, getCall, hangup, historyOf } from "../../helpers/calls";
import { insertPatients } from "../../helpers/seed";
import { dispatcher, inspect, playCall, runDispatcherAlarm, tickCall, tickDispatcher } from "../../helpers/objects";

const LONG = { simulator: { durationMs: 600_000 } };

async function tenantWithLimit(limit: number) {
  const tenant = await createTenant();
  await patchTenant(tenant.id, { concurrencyLimit: limit });
  return { tenant, key: tenant.apiKey };
}

async function place(key: string, agentId: string, patientIds: string[]) {
  return createBatch(key, { agentId, patients: patientIds.map((patientId) => ({ patientId })) });
}

async function patients(key: string, n: number, overrides: Record<string, unknown> = {}) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await createPatient(key, overrides)).patient_id);
  return ids;
}

const liveIds = async (tenantId: string) => (await inspect(tenantId)).live.map((e) => e.call_id).sort();

describe("per-tenant concurrency", () => {
  it("queues calls beyond the limit and starts them first come, first served as lines free up", async () => {
    const { tenant, key } = await tenantWithLimit(2);
    const agent = await createAgent(key, LONG);
    const first = await place(key, agent.id, await patients(key, 2));
    expect(first).toMatchObject({ totalInitiated: 2, totalQueued: 0 });
    const second = await place(key, agent.id, await patients(key, 3));
    expect(second).toMatchObject({ totalInitiated: 0, totalQueued: 3, message: "Batch created and initiated 0 calls; 3 queued" });
    expect(second.calls.map((c) => c.status)).toEqual(["queued", "queued", "queued"]);
    const [a1, a2] = first.calls.map((c) => c.callId) as [string, string];
    const [b1, b2, b3] = second.calls.map((c) => c.callId) as [string, string, string];

    expect((await hangup(key, a1)).status).toBe(200);
    await runDispatcherAlarm(tenant.id);
    expect((await getCall(key, b1)).status).toBe("initiating");
    expect((await getCall(key, b2)).status).toBe("queued");
    expect((await getCall(key, b3)).status).toBe("queued");

    expect((await hangup(key, a2)).status).toBe(200);
    await runDispatcherAlarm(tenant.id);
    expect((await getCall(key, b2)).status).toBe("initiating");
    expect((await getCall(key, b3)).status).toBe("queued");
    expect(await liveIds(tenant.id)).toEqual([b1, b2].sort());

    expect((await hangup(key, b1)).status).toBe(200);
    await runDispatcherAlarm(tenant.id);
    expect((await getCall(key, b3)).status).toBe("initiating");
    expect(await liveIds(tenant.id)).toEqual([b2, b3].sort());
    expect((await inspect(tenant.id)).waiting).toHaveLength(0);
  });

  it("never hands out more lines than the limit to concurrent requests", async () => {
    const { tenant, key } = await tenantWithLimit(3);
    const agent = await createAgent(key, LONG);
    const groups = await Promise.all(Array.from({ length: 5 }, () => patients(key, 2)));
    const batches = await Promise.all(groups.map((ids) => place(key, agent.id, ids)));
    expect(batches.reduce((n, b) => n + b.totalInitiated, 0)).toBe(3);
    expect(batches.reduce((n, b) => n + b.totalQueued, 0)).toBe(7);
    expect((await inspect(tenant.id)).live).toHaveLength(3);
  });

  it("starts queued calls at once when an operator raises the limit", async () => {
    const { tenant, key } = await tenantWithLimit(1);
    const agent = await createAgent(key, LONG);
    const batch = await place(key, agent.id, await patients(key, 3));
    expect(batch).toMatchObject({ totalInitiated: 1, totalQueued: 2 });
    await patchTenant(tenant.id, { concurrencyLimit: 3 });
    await runDispatcherAlarm(tenant.id);
    for (const c of batch.calls) expect((await getCall(key, c.callId)).status).toBe("initiating");
  });

  const endings: [string, Record<string, unknown>, (key: string, callId: string) => Promise<unknown>, string][] = [
    ["it completes", { simulator: { durationMs: 1000 } }, async (_key, id) => playCall(id, "completed"), "completed"],
    ["nobody answers", { simulator: { outcome: "no_answer", durationMs: 1000 } }, async (_key, id) => playCall(id, "failed"), "failed"],
    ["the line is busy", { simulator: { outcome: "busy", durationMs: 2000 } }, async (_key, id) => playCall(id, "failed"), "failed"],
    ["it is hung up", LONG, async (key, id) => expect((await hangup(key, id)).status).toBe(200), "failed"],
    [
      // Ringing is bounded by the ring limit (5 minutes from dispatch), not the agent's talk time.
      "its provider never answers (the watchdog ends it)",
      { simulator: { outcome: "no_answer", durationMs: 600_000 }, maxDurationSeconds: 30 },
      async (_key, id) => tickCall(id, Date.now() + 5 * 60_000 + 1_000),
      "failed",
    ],
    [
      "it waits for a retry",
      // Long enough for the second call to be placed while this one holds the line (each request also passes the rate limiter).
      { simulator: { outcome: "no_answer", durationMs: 1_500 }, retry: { maxAttempts: 2, spacingMinutes: 10 } },
      async (_key, id) => playCall(id, "awaiting-retry"),
      "awaiting-retry",
    ],
  ];

  it.each(endings)("gives the line back when %s", async (_name, agentSettings, end, endStatus) => {
    const { tenant, key } = await tenantWithLimit(1);
    const ending = await createAgent(key, agentSettings);
    const waiting = await createAgent(key, LONG);
    const [px, py] = await patients(key, 2);
    const [x] = (await place(key, ending.id, [px!])).calls;
    const [y] = (await place(key, waiting.id, [py!])).calls;
    expect(y!.status).toBe("queued");

    await end(key, x!.callId);
    expect((await getCall(key, x!.callId)).status).toBe(endStatus);
    await runDispatcherAlarm(tenant.id);
    expect((await getCall(key, y!.callId)).status).toBe("initiating");
    expect(await liveIds(tenant.id)).toEqual([y!.callId]);
  });

  it("records the watchdog's ending in the call's history", async () => {
    const { key } = await tenantWithLimit(1);
    // Rings from 60 s after dispatch; its "no answer" would only come at 360 s.
    const agent = await createAgent(key, { simulator: { outcome: "no_answer", durationMs: 600_000 }, maxDurationSeconds: 30 });
    const [x] = (await place(key, agent.id, await patients(key, 1))).calls;
    const dispatched = Date.now();
    await tickCall(x!.callId, dispatched + 4 * 60_000);
    expect((await getCall(key, x!.callId)).status).toBe("dialing");
    await tickCall(x!.callId, dispatched + 5 * 60_000 + 1_000);
    const ended = await getCall(key, x!.callId);
    expect(ended).toMatchObject({ status: "failed", outcome: "provider_error" });
    const watchdog = (await historyOf(x!.callId)).find((e) => e.type === "watchdog");
    expect(watchdog).toMatchObject({ type: "watchdog", from_status: "dialing", to_status: "failed", detail: { stage: "dialing", ringLimitSeconds: 300 } });
  });

  it("does not hold a line for a call refused at dispatch (the patient opted out while queued)", async () => {
    const { tenant, key } = await tenantWithLimit(1);
    const agent = await createAgent(key, LONG);
    const [holder] = (await place(key, agent.id, await patients(key, 1))).calls;
    const phones = ["+15555550901", "+15555550902"];
    const ids = [(await createPatient(key, { phoneNumber: phones[0] })).patient_id, (await createPatient(key, { phoneNumber: phones[1] })).patient_id];
    const [refused, next] = (await place(key, agent.id, ids)).calls;
    await optOut(createDb(env.DB), { tenantId: tenant.id, phoneNumber: phones[0]!, source: "api" });

    expect((await hangup(key, holder!.callId)).status).toBe(200);
    await runDispatcherAlarm(tenant.id);
    expect((await getCall(key, next!.callId)).status).toBe("initiating");
    const canceled = await getCall(key, refused!.callId);
    // The contact policy refuses it before dialing (it used to be a dispatch refusal with outcome canceled).
    expect(canceled).toMatchObject({ status: "canceled", outcome: "refused", policy: { decision: "refuse", reason: "opted_out" } });
    expect((await historyOf(refused!.callId)).at(-1)).toMatchObject({ type: "policy.refused", detail: { reason: "opted_out" } });
  });

  it("takes back a line whose ending notice was lost, on its audit", async () => {
    const { tenant, key } = await tenantWithLimit(1);
    const short = await createAgent(key, { simulator: { durationMs: 100 } });
    const long = await createAgent(key, LONG);
    const [x] = (await place(key, short.id, await patients(key, 1))).calls;
    await playCall(x!.callId, "completed");
    // Lose the notice: the dispatcher believes the finished call still holds the line.
    await runInDurableObject(dispatcher(tenant.id), (_d: TenantDispatcher, state) => {
      state.storage.sql.exec("INSERT INTO entries (call_id, seq, attempt, state, not_before, eligible_at, granted_at, audit_at) VALUES (?, 0, 1, 'live', 0, 0, ?, ?)", x!.callId, Date.now(), Date.now() + 300_000);
    });
    const [y] = (await place(key, long.id, await patients(key, 1))).calls;
    expect(y!.status).toBe("queued");
    await tickDispatcher(tenant.id, Date.now() + 60_000);
    expect((await getCall(key, y!.callId)).status).toBe("queued");
    await tickDispatcher(tenant.id, Date.now() + 301_000);
    expect((await getCall(key, y!.callId)).status).toBe("initiating");
  });
});

describe("batch size", () => {
  it("takes 1,000 patients in one request and starts the limit's worth", async () => {
    const tenant = await createTenant();
    const agent = await createAgent(tenant.apiKey, LONG);
    const ids = await insertPatients(tenant.id, 1000);
    const batch = await place(tenant.apiKey, agent.id, ids);
    expect(batch.calls).toHaveLength(1000);
    expect(batch).toMatchObject({ totalInitiated: 10, totalQueued: 990 });
    const state = await inspect(tenant.id);
    expect(state.live).toHaveLength(10);
    // FIFO: the first ten of the request got the lines.
    expect(state.live.map((e) => e.call_id).sort()).toEqual(batch.calls.slice(0, 10).map((c) => c.callId).sort());
    expect(state.waiting.map((e) => e.call_id)).toEqual(batch.calls.slice(10).map((c) => c.callId));
  });

  it("refuses 1,001 patients with a 400 that names the limit", async () => {
    const tenant = await createTenant();
    const agent = await createAgent(tenant.apiKey, LONG);
    const patientsList = Array.from({ length: 1001 }, () => ({ patientId: crypto.randomUUID() }));
    const res = await call("/api/v1/calls", { method: "POST", key: tenant.apiKey, json: { agentId: agent.id, patients: patientsList } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("at most 1000 patients");
    const calls = await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE tenant_id = ?").bind(tenant.id).first<{ n: number }>();
    expect(calls?.n).toBe(0);
  });
});

describe("a waiting call", () => {
  it("waits in line while it is queued, whatever the time", async () => {
    const { tenant, key } = await tenantWithLimit(1);
    const agent = await createAgent(key, LONG);
    await place(key, agent.id, await patients(key, 1));
    const [queued] = (await place(key, agent.id, await patients(key, 1))).calls;
    await tickDispatcher(tenant.id, Date.now() + 3_600_000);
    expect((await getCall(key, queued!.callId)).status).toBe("queued");
    expect((await inspect(tenant.id)).waiting).toHaveLength(1);
  });
});
