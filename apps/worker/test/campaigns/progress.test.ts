import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { campaignProgress } from "../../src/campaigns/progress";
import { api, expectEnvelope, json } from "../helpers/http";
import { createAgent, createPatient, createTenant } from "../helpers/tenants";
import { createCalls } from "../helpers/calls";
import { poll } from "../helpers/wait";

const HOUR = 3_600_000;

/** A campaign with calls written straight to D1, at known times, to check the arithmetic. */
async function seededCampaign(tenantId: string, calls: { status: string; outcome?: string; startedAt?: number; endedAt?: number }[], campaignStatus = "released") {
  const batchId = crypto.randomUUID();
  const now = Date.now();
  await env.DB.prepare("INSERT INTO campaigns (id, tenant_id, agent_id, status, recording, created_at) VALUES (?, ?, ?, ?, 1, ?)")
    .bind(batchId, tenantId, crypto.randomUUID(), campaignStatus, now)
    .run();
  if (calls.length) await env.DB.batch(
    calls.map((call, i) =>
      env.DB.prepare(
        `INSERT INTO calls (id, tenant_id, campaign_id, agent_id, phone_number, status, outcome, provider, recording, created_at, started_at, ended_at, updated_at)
         VALUES (?, ?, ?, ?, '+15555550000', ?, ?, 'simulator', 1, ?, ?, ?, ?)`,
      ).bind(crypto.randomUUID(), tenantId, batchId, crypto.randomUUID(), call.status, call.outcome ?? null, now + i, call.startedAt ?? null, call.endedAt ?? null, now),
    ),
  );
  return batchId;
}

describe("campaign progress", () => {
  it("expects the rest to finish at the pace so far (calls through a line per unit of time since the first was dialed)", async () => {
    const tenant = await createTenant();
    const now = Date.UTC(2026, 2, 2, 15, 0, 0);
    const batchId = await seededCampaign(tenant.id, [
      { status: "completed", outcome: "human", startedAt: now - 60_000, endedAt: now - 30_000 },
      { status: "failed", outcome: "no_answer", startedAt: now - 50_000, endedAt: now - 10_000 },
      { status: "canceled", outcome: "canceled", endedAt: now - 5_000 },
      { status: "in-progress", startedAt: now - 20_000 },
      { status: "queued" },
      { status: "queued" },
    ]);
    const progress = (await campaignProgress(env.DB, tenant.id, [{ id: batchId, status: "released" }], now)).get(batchId)!;
    expect(progress).toMatchObject({ total: 6, ended: 3, startedAt: new Date(now - 60_000).toISOString(), finishedAt: null });
    expect(progress.byStatus).toMatchObject({ completed: 1, failed: 1, canceled: 1, "in-progress": 1, queued: 2, scheduled: 0 });
    // 2 calls went through a line in the 60 s since the first was dialed: 30 s each; 3 left → 90 s.
    expect(progress.expectedFinishAt).toBe(new Date(now + 90_000).toISOString());

    const canceled = (await campaignProgress(env.DB, tenant.id, [{ id: batchId, status: "canceled" }], now)).get(batchId)!;
    expect(canceled.expectedFinishAt).toBeNull();
  });

  it("has no estimate before a call has ended, and a finish time once every call has", async () => {
    const tenant = await createTenant();
    const now = Date.now();
    const waiting = await seededCampaign(tenant.id, [{ status: "in-progress", startedAt: now - 1000 }, { status: "queued" }]);
    const done = await seededCampaign(tenant.id, [
      { status: "completed", outcome: "human", startedAt: now - 9000, endedAt: now - 4000 },
      { status: "failed", outcome: "busy", startedAt: now - 8000, endedAt: now - 2000 },
    ]);
    const empty = await seededCampaign(tenant.id, []);
    const all = await campaignProgress(env.DB, tenant.id, [waiting, done, empty].map((id) => ({ id, status: "released" })), now);
    expect(all.get(waiting)).toMatchObject({ ended: 0, expectedFinishAt: null, finishedAt: null });
    expect(all.get(done)).toMatchObject({ ended: 2, expectedFinishAt: null, finishedAt: new Date(now - 2000).toISOString() });
    expect(all.get(empty)).toMatchObject({ total: 0, ended: 0, startedAt: null, finishedAt: null, expectedFinishAt: null });
  });

  it("shows each campaign's status and progress in the list, and the same progress in the detail, as calls finish", async () => {
    const tenant = await createTenant();
    const key = tenant.apiKey;
    const patients = [await createPatient(key), await createPatient(key), await createPatient(key)];
    const agent = await createAgent(key, { simulator: { durationMs: 1500 } });
    const batch = await json(await createCalls(key, { patients: patients.map((p) => ({ patientId: p.patient_id })), agentId: agent.id, name: "Reminders" }));

    const list = await poll(
      async () => json(await api("/api/v1/calls/campaigns", { key })),
      (page: any) => page.data[0].progress.ended === 3,
      15_000,
    );
    const summary = list.data[0];
    expect(summary).toMatchObject({ id: batch.batchId, name: "Reminders", status: "released", scheduled_at: null, agent_id: agent.id });
    expect(summary.progress).toMatchObject({ total: 3, ended: 3, expectedFinishAt: null, finishedAt: expect.any(String), startedAt: expect.any(String) });
    expect(summary.progress.byStatus.completed).toBe(3);

    const detail = await json(await api(`/api/v1/calls/campaigns/${batch.batchId}`, { key }));
    // The detail keeps the contact policy's counts beside the same progress.
    const { deferred, refused, ...progress } = detail.campaign.progress;
    expect(progress).toEqual(summary.progress);
    expect(Object.values(deferred).every((n) => n === 0) && Object.values(refused).every((n) => n === 0)).toBe(true);
    expect(summary.paused).toBe(false);
  });
});

describe("GET /api/v1/calls/campaigns/{batchId}/hourly", () => {
  it("counts the calls that ended in each hour by outcome, oldest hour first", async () => {
    const tenant = await createTenant();
    const h = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR;
    const batchId = await seededCampaign(tenant.id, [
      { status: "completed", outcome: "human", endedAt: h + 10 },
      { status: "completed", outcome: "human", endedAt: h + HOUR - 1 },
      { status: "failed", outcome: "no_answer", endedAt: h + 60_000 },
      { status: "failed", outcome: "voicemail", endedAt: h + 3 * HOUR + 5 },
      { status: "in-progress" },
      { status: "queued" },
    ]);
    const res = await api(`/api/v1/calls/campaigns/${batchId}/hourly`, { key: tenant.apiKey });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.batchId).toBe(batchId);
    expect(body.data.map((d: any) => [d.hour, d.total, d.byOutcome.human, d.byOutcome.no_answer, d.byOutcome.voicemail])).toEqual([
      [new Date(h).toISOString(), 3, 2, 1, 0],
      [new Date(h + 3 * HOUR).toISOString(), 1, 0, 0, 1],
    ]);
    expect(Object.keys(body.data[0].byOutcome).sort()).toEqual(
      ["busy", "canceled", "human", "hung_up_by_api", "invalid_number", "no_answer", "provider_error", "refused", "transferred", "voicemail"],
    );
  });

  it("answers 404 for another tenant's campaign, as for an unknown one", async () => {
    const owner = await createTenant();
    const batchId = await seededCampaign(owner.id, [{ status: "completed", outcome: "human", endedAt: Date.now() }]);
    const other = await createTenant();
    for (const id of [batchId, crypto.randomUUID()]) {
      const res = await api(`/api/v1/calls/campaigns/${id}/hourly`, { key: other.apiKey });
      expect(res.status).toBe(404);
      expectEnvelope(await res.json(), 404, `/api/v1/calls/campaigns/${id}/hourly`, "GET", "Campaign not found");
    }
  });
});
