import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newMeter } from "../../src/objects/dispatcher/bulk-move";
import { releasePage, RELEASE_PAGE_SIZE } from "../../src/objects/dispatcher/release-page";
import { createAgent, createPatient, createTenant, patchTenant } from "../helpers/tenants";
import { campaign, createBatch, dialsPerCall, historyOf } from "../helpers/calls";
import { insertPatients, insertScheduledCampaign } from "../helpers/seed";
import { dispatcher, fireCron, inspect, playCampaign, runDispatcherAlarm } from "../helpers/objects";

const MINUTE = 60_000;

async function clinic(patients: number, simulator = { durationMs: 200 }) {
  const tenant = await createTenant();
  const agent = await createAgent(tenant.apiKey, { simulator });
  const ids: string[] = [];
  for (let i = 0; i < patients; i++) ids.push((await createPatient(tenant.apiKey)).patient_id);
  return { tenant, key: tenant.apiKey, agent, patientIds: ids };
}

async function schedule(key: string, agentId: string, patientIds: string[], scheduledAt: number) {
  return createBatch(key, {
    agentId,
    patients: patientIds.map((patientId) => ({ patientId })),
    scheduledAt: new Date(scheduledAt).toISOString(),
  });
}

const allEnded = (n: number) => (s: Record<string, number>) => (s.completed ?? 0) + (s.failed ?? 0) === n;

/** Plays the campaign to its end on the tenant's alarms (playCampaign); its progress must then satisfy `done`. */
async function played(tenantId: string, key: string, batchId: string, done: (byStatus: Record<string, number>) => boolean) {
  await playCampaign(tenantId, batchId);
  const result = await campaign(key, batchId);
  expect(done(result.progress.byStatus), JSON.stringify(result.progress.byStatus)).toBe(true);
  return result;
}

describe("scheduled campaigns: the cron", () => {
  it("releases a campaign when its time comes, not a minute before", async () => {
    const { tenant, key, agent, patientIds } = await clinic(3);
    const at = Date.now() + 2 * MINUTE;
    const batch = await schedule(key, agent.id, patientIds, at);
    expect(batch.calls.every((c) => c.status === "scheduled")).toBe(true);

    await fireCron(at - MINUTE);
    await fireCron(at - 1);
    expect((await campaign(key, batch.batchId)).progress.byStatus.scheduled).toBe(3);
    expect((await campaign(key, batch.batchId)).status).toBe("scheduled");

    await fireCron(at);
    const done = await played(tenant.id, key, batch.batchId, (s) => s.completed === 3);
    expect(done.status).toBe("released");
    const history = await historyOf(batch.calls[0]!.callId);
    expect(history.slice(0, 3).map((e) => [e.type, e.from_status, e.to_status])).toEqual([
      ["created", null, "scheduled"],
      ["released", "scheduled", "queued"],
      ["dispatched", "queued", "initiating"],
    ]);
  });

  it("dials each call once when the cron fires twice and runs overlap", async () => {
    const { tenant, key, agent, patientIds } = await clinic(12);
    await patchTenant(tenant.id, { concurrencyLimit: 3 });
    const at = Date.now() + MINUTE;
    const batch = await schedule(key, agent.id, patientIds, at);

    await Promise.all([fireCron(at), fireCron(at), fireCron(at + 5)]);
    await fireCron(at + MINUTE);
    await played(tenant.id, key, batch.batchId, allEnded(12));
    await fireCron(at + 2 * MINUTE);

    const ids = batch.calls.map((c) => c.callId);
    expect([...(await dialsPerCall(ids)).values()]).toEqual(ids.map(() => 1));
    for (const id of ids) {
      const history = await historyOf(id);
      expect(history.filter((e) => e.type === "released")).toHaveLength(1);
      expect(history.filter((e) => e.type === "dispatched")).toHaveLength(1);
    }
  });

  it("finishes a release that crashed half way, still dialing each call once", async () => {
    const { key, tenant, agent, patientIds } = await clinic(4);
    const at = Date.now() + MINUTE;
    const batch = await schedule(key, agent.id, patientIds, at);
    // The crashed run had queued the calls in D1 but never handed them to the dispatcher.
    await releasePage(env.DB, tenant.id, batch.batchId, { createdAt: -1, id: "" }, at, newMeter());
    expect((await campaign(key, batch.batchId)).progress.byStatus.queued).toBe(4);

    await fireCron(at + MINUTE);
    await played(tenant.id, key, batch.batchId, allEnded(4));
    const ids = batch.calls.map((c) => c.callId);
    expect([...(await dialsPerCall(ids)).values()]).toEqual([1, 1, 1, 1]);
    for (const id of ids) expect((await historyOf(id)).filter((e) => e.type === "released")).toHaveLength(1);
  });

  it("moves each call once when two release steps read the same page at the same time", async () => {
    const { key, tenant, agent, patientIds } = await clinic(3);
    const at = Date.now() + MINUTE;
    const batch = await schedule(key, agent.id, patientIds, at);
    const start = { createdAt: -1, id: "" };
    const [a, b] = await Promise.all([
      releasePage(env.DB, tenant.id, batch.batchId, start, at, newMeter()),
      releasePage(env.DB, tenant.id, batch.batchId, start, at, newMeter()),
    ]);
    // Both read the page while every call was still scheduled; the compare-and-set let one move them.
    expect([a.calls.length, b.calls.length]).toEqual([3, 3]);
    for (const c of batch.calls) {
      const history = await historyOf(c.callId);
      expect(history.map((e) => [e.type, e.to_status])).toEqual([
        ["created", "scheduled"],
        ["released", "queued"],
      ]);
    }
  });

  it("finishes a release whose run crashed after the dispatcher took the campaign", async () => {
    const { key, tenant, agent, patientIds } = await clinic(3);
    const at = Date.now() + MINUTE;
    const batch = await schedule(key, agent.id, patientIds, at);
    // The crashed run handed the campaign over and died before marking it released.
    await dispatcher(tenant.id).releaseCampaign(tenant.id, batch.batchId);
    await fireCron(at);
    await played(tenant.id, key, batch.batchId, allEnded(3));
    expect((await campaign(key, batch.batchId)).status).toBe("released");
    const ids = batch.calls.map((c) => c.callId);
    expect([...(await dialsPerCall(ids)).values()]).toEqual([1, 1, 1]);
  });

  it("catches up with every overdue campaign after downtime", async () => {
    const { tenant, key, agent, patientIds } = await clinic(2);
    const at = Date.now() + MINUTE;
    const first = await schedule(key, agent.id, [patientIds[0]!], at);
    const second = await schedule(key, agent.id, [patientIds[1]!], at + 30 * MINUTE);
    // No run for an hour; the next one releases both.
    await fireCron(at + 60 * MINUTE);
    await played(tenant.id, key, first.batchId, allEnded(1));
    await played(tenant.id, key, second.batchId, allEnded(1));
  });

  it("hands over an immediate batch whose hand-over failed", async () => {
    const { key, tenant, agent, patientIds } = await clinic(2);
    const batch = await createBatch(key, { agentId: agent.id, patients: patientIds.map((patientId) => ({ patientId })) });
    await played(tenant.id, key, batch.batchId, allEnded(2));
    // As if the create request had died before the dispatcher took its calls: a fresh queued batch.
    const stranded = await insertScheduledCampaign(tenant.id, agent.id, patientIds, Date.now());
    await env.DB.batch([
      env.DB.prepare("UPDATE campaigns SET status = 'releasing', scheduled_at = NULL WHERE id = ?").bind(stranded.batchId),
      env.DB.prepare("UPDATE calls SET status = 'queued' WHERE campaign_id = ?").bind(stranded.batchId),
    ]);
    await fireCron(Date.now());
    // Too recent to be stranded (its request may still be handing it over): left alone.
    expect((await campaign(key, stranded.batchId)).progress.byStatus.queued).toBe(2);
    await fireCron(Date.now() + 2 * MINUTE);
    await played(tenant.id, key, stranded.batchId, allEnded(2));
    expect((await campaign(key, stranded.batchId)).status).toBe("released");
  });

  it("releases a 10,000-call campaign in bounded steps, queuing each call once", async () => {
    const tenant = await createTenant("Big clinic group");
    const agent = await createAgent(tenant.apiKey, { simulator: { durationMs: 600_000 } });
    const patientIds = await insertPatients(tenant.id, 10_000);
    const at = Date.now() + MINUTE;
    const { batchId } = await insertScheduledCampaign(tenant.id, agent.id, patientIds, at);

    await fireCron(at);
    // The release moves a few pages per alarm: run them all.
    for (let step = 0; step < 100 && (await inspect(tenant.id)).releases[0]?.finished_at == null; step++) await runDispatcherAlarm(tenant.id);
    const job = (await inspect(tenant.id)).releases[0]!;
    expect(job.calls).toBe(10_000);
    expect(job.pages).toBe(10_000 / RELEASE_PAGE_SIZE + 1); // the last page reads nothing
    // Each alarm step made at most a handful of D1 subrequests, whatever the campaign's size.
    expect(job.max_subrequests_per_step).toBeLessThanOrEqual(8);

    // The step that finished the release filled the free lines.
    const settled = await inspect(tenant.id);
    expect(settled.live).toHaveLength(10); // the default limit
    expect(settled.waiting).toHaveLength(9_990);

    const counts = await env.DB.prepare(
      `SELECT (SELECT count(*) FROM calls WHERE campaign_id = ?1 AND status = 'scheduled') AS scheduled,
              (SELECT count(*) FROM call_events e JOIN calls c ON c.id = e.call_id WHERE c.campaign_id = ?1 AND e.type = 'released') AS released,
              (SELECT count(DISTINCT e.call_id) FROM call_events e JOIN calls c ON c.id = e.call_id WHERE c.campaign_id = ?1 AND e.type = 'released') AS distinct_released`,
    )
      .bind(batchId)
      .first<{ scheduled: number; released: number; distinct_released: number }>();
    expect(counts).toEqual({ scheduled: 0, released: 10_000, distinct_released: 10_000 });
  }, 120_000);
});
