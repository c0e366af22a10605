import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dialsOf, faultReport } from "../../../src/lib/faults";
import { START_AFTER_GRANT_MS, type TenantDispatcher } from "../../../src/objects/dispatcher/tenant-dispatcher";
import { d1, faults } from "../../faults/helpers";
import { campaign, createBatch, historyOf } from "../../helpers/calls";
import { call, json } from "../../helpers/http";
import { dispatcher, inspect, runDispatcherAlarm, tickDispatcher } from "../../helpers/objects";
import { createAgent, createPatient, createTenant, daytimeZone, patchTenant } from "../../helpers/tenants";

/*
 * POST /api/v1/calls answers once the tenant's dispatcher has granted lines: the grant is stored as
 * `starting`, with an alarm, and the alarm makes the starts (each call object decides the contact
 * policy and dials). These tests hold the dispatcher in the moment between the grant and the start,
 * inject what can happen there, and check that each patient is dialed once per attempt, that no
 * start is lost, and that a cancel or pause in that moment is honoured.
 */

const LONG = { simulator: { durationMs: 600_000 } };

async function tenantWith(limit: number, patients: number) {
  const tenant = await createTenant();
  await patchTenant(tenant.id, { concurrencyLimit: limit });
  const agent = await createAgent(tenant.apiKey, LONG);
  const ids: string[] = [];
  for (let i = 0; i < patients; i++) ids.push((await createPatient(tenant.apiKey, { timezone: daytimeZone() })).patient_id);
  return { tenant, key: tenant.apiKey, agent, patientIds: ids };
}

/**
 * Calls `queued` in D1 and given lines by the dispatcher, their starts not yet made: the state a
 * create request leaves behind when it answers, held there (the alarm that would make the starts
 * is taken away; whatever a test does next, the dispatcher's next alarm must put right).
 */
async function grantedNotStarted(limit: number, patients: number) {
  const t = await tenantWith(limit, patients);
  // Created for later, then made what a create request for now writes: calls queued, a campaign releasing.
  const batch = await createBatch(t.key, { agentId: t.agent.id, patients: t.patientIds.map((patientId) => ({ patientId })), scheduledAt: new Date(Date.now() + 3600_000).toISOString() });
  const callIds = batch.calls.map((c) => c.callId);
  await env.DB.batch([
    env.DB.prepare("UPDATE calls SET status = 'queued', scheduled_at = NULL WHERE campaign_id = ?").bind(batch.batchId),
    env.DB.prepare("UPDATE campaigns SET status = 'releasing', scheduled_at = NULL WHERE id = ?").bind(batch.batchId),
  ]);
  const held = await runInDurableObject(dispatcher(t.tenant.id), async (instance: TenantDispatcher, state) => {
    const answer = await instance.enqueue(t.tenant.id, batch.batchId, callIds.map((callId) => ({ callId, campaignId: batch.batchId, timezone: null })));
    // No await between the grant and this: the alarm cannot have run yet.
    await state.storage.deleteAlarm();
    const rows = state.storage.sql.exec<{ call_id: string; state: string; starting: number }>("SELECT call_id, state, starting FROM entries").toArray();
    return { answer, rows };
  });
  return { ...t, batchId: batch.batchId, callIds, ...held };
}

const dialsOfAll = (callIds: string[]) => callIds.map((id) => dialsOf(id, 1));
const placedEvents = async (callId: string) => (await historyOf(callId)).filter((e) => e.type === "provider.placed").length;

describe("POST /api/v1/calls answers before dialing", () => {
  const rules = faults();

  it("answers with the lines granted while the vendor has not answered any dial; the dispatcher's alarm dials each granted call once", async () => {
    const t = await tenantWith(3, 5);
    // Every dial takes 3 s at the vendor: an answer that waited for dials would come after them.
    rules.set({ site: "simulator", effect: "stall", ms: 3_000 });
    const res = await call("/api/v1/calls", { method: "POST", key: t.key, json: { agentId: t.agent.id, patients: t.patientIds.map((patientId) => ({ patientId })) }, starts: false });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ totalInitiated: 3, totalQueued: 2, message: "Batch created and initiated 3 calls; 2 queued" });
    const callIds = res.body.calls.map((c: { callId: string }) => c.callId) as string[];
    const granted = res.body.calls.filter((c: { status: string }) => c.status === "initiating").map((c: { callId: string }) => c.callId) as string[];
    expect(granted).toHaveLength(3);
    // Answered: no dial has been recorded, and the granted calls read `queued` until their starts are made.
    for (const id of callIds) expect(await placedEvents(id)).toBe(0);
    const read = await call(`/api/v1/calls/${granted[0]}`, { key: t.key });
    expect(["queued", "initiating"]).toContain(read.body.status);
    expect(read.body.status).not.toBe("in-progress");

    await runDispatcherAlarm(t.tenant.id);
    for (const id of granted) expect(await placedEvents(id), id).toBe(1);
    expect(dialsOfAll(granted)).toEqual([1, 1, 1]);
    for (const id of callIds.filter((id) => !granted.includes(id))) expect(dialsOf(id, 1)).toBe(0);
    const { live, waiting } = await inspect(t.tenant.id);
    expect(live.map((e) => e.call_id).sort()).toEqual([...granted].sort());
    expect(live.every((e) => e.starting === 0)).toBe(true);
    expect(waiting).toHaveLength(2);
  });

  it("stores the grant as a start to make, and the alarm for it, before answering", async () => {
    const g = await grantedNotStarted(10, 2);
    expect(g.answer).toEqual(Object.fromEntries(g.callIds.map((id) => [id, "initiating"])));
    expect(g.rows.map((r) => [r.state, r.starting])).toEqual([["live", 1], ["live", 1]]);
    expect(dialsOfAll(g.callIds)).toEqual([0, 0]);
    // The alarm was deleted above; the dispatcher's next run (any alarm, any request) makes the starts.
    await tickDispatcher(g.tenant.id, Date.now());
    expect(dialsOfAll(g.callIds)).toEqual([1, 1]);
  });

  it("the dispatcher restarts between the grant and the start: each call is started, and dialed, once", async () => {
    const g = await grantedNotStarted(10, 3);
    // A deploy or an eviction: in-memory state gone, storage (the grants) kept; the alarm is set again as it was.
    await runInDurableObject(dispatcher(g.tenant.id), async (_instance, state) => {
      await state.storage.setAlarm(Date.now());
      state.abort("restart between grant and start");
    }).catch(() => undefined);
    await runDispatcherAlarm(g.tenant.id);
    await tickDispatcher(g.tenant.id, Date.now());
    expect(dialsOfAll(g.callIds)).toEqual([1, 1, 1]);
    for (const id of g.callIds) expect((await historyOf(id)).filter((e) => e.type === "dispatched")).toHaveLength(1);
    const { live } = await inspect(g.tenant.id);
    expect(live.map((e) => [e.call_id, e.starting]).sort()).toEqual(g.callIds.map((id) => [id, 0]).sort());
  });

  it("the dispatcher dies after the call objects took the starts but before noting it: the starts are made again and dial no one twice", async () => {
    const g = await grantedNotStarted(10, 3);
    await runDispatcherAlarm(g.tenant.id);
    await tickDispatcher(g.tenant.id, Date.now());
    expect(dialsOfAll(g.callIds)).toEqual([1, 1, 1]);
    // What the crash leaves: the starts were made, the note of them never reached storage.
    await runInDurableObject(dispatcher(g.tenant.id), async (_instance, state) => {
      state.storage.sql.exec("UPDATE entries SET starting = 1 WHERE state = 'live'");
      await state.storage.setAlarm(Date.now());
      state.abort("restart before the starts were noted");
    }).catch(() => undefined);
    await runDispatcherAlarm(g.tenant.id);
    await tickDispatcher(g.tenant.id, Date.now() + 6 * 60_000); // and the audit of the lines, later
    expect(dialsOfAll(g.callIds)).toEqual([1, 1, 1]);
    for (const id of g.callIds) expect(await placedEvents(id)).toBe(1);
    const { live } = await inspect(g.tenant.id);
    expect(live).toHaveLength(3);
    expect(live.every((e) => e.starting === 0)).toBe(true);
  });

  it("a start that throws before dialing (D1 fails as the call object reads the call) goes back in line, is made again, and dials once", async () => {
    const g = await grantedNotStarted(10, 1);
    const [callId] = g.callIds as [string];
    rules.set(d1("AS last_seq"));
    await runDispatcherAlarm(g.tenant.id);
    expect(faultReport().rules[0]!.fired).toBe(1);
    expect(dialsOf(callId, 1)).toBe(0);
    // The line is given back and the call waits again, in its place, for the start's retry spacing.
    const after = await inspect(g.tenant.id);
    expect(after.live).toHaveLength(0);
    expect(after.waiting.map((e) => [e.call_id, e.attempt, e.starting])).toEqual([[callId, 1, 0]]);
    await tickDispatcher(g.tenant.id, Date.now() + 6_000);
    expect(dialsOf(callId, 1)).toBe(1);
    const { live, waiting } = await inspect(g.tenant.id);
    expect(waiting).toHaveLength(0);
    expect(live.map((e) => [e.call_id, e.starting])).toEqual([[callId, 0]]);
  });

  it("a start that throws after dialing (the call object reset once the vendor took the call) is made again and dials no one twice", async () => {
    const g = await grantedNotStarted(10, 1);
    const [callId] = g.callIds as [string];
    rules.set({ site: "call.restart.placing", effect: "restart", match: callId, times: 1 });
    await runDispatcherAlarm(g.tenant.id);
    expect(faultReport().rules[0]!.fired).toBe(1);
    expect(dialsOf(callId, 1)).toBe(1);
    // However the reset attempt settles (its line given back when it ends), asking again dials nothing.
    await tickDispatcher(g.tenant.id, Date.now() + 6_000);
    await tickDispatcher(g.tenant.id, Date.now() + 12_000);
    expect(dialsOf(callId, 1)).toBe(1);
    const { live } = await inspect(g.tenant.id);
    expect(live.length).toBeLessThanOrEqual(1);
    expect(live.every((e) => e.starting === 0)).toBe(true);
  });

  it("a campaign canceled between the grant and the start never dials those calls, and counts them canceled, not live", async () => {
    const g = await grantedNotStarted(10, 3);
    const res = await call(`/api/v1/calls/campaigns/${g.batchId}/cancel`, { method: "POST", key: g.key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "canceled", canceled: 3, live: 0 });
    await runDispatcherAlarm(g.tenant.id);
    await tickDispatcher(g.tenant.id, Date.now() + 10_000);
    expect(dialsOfAll(g.callIds)).toEqual([0, 0, 0]);
    expect((await campaign(g.key, g.batchId)).progress.byStatus).toMatchObject({ canceled: 3, queued: 0, initiating: 0 });
    const { live, waiting } = await inspect(g.tenant.id);
    expect(live).toHaveLength(0);
    expect(waiting).toHaveLength(0);
  });

  it("a campaign paused between the grant and the start is held (no dial, no line); resumed, each call is dialed once", async () => {
    const g = await grantedNotStarted(10, 3);
    const paused = await call(`/api/v1/calls/campaigns/${g.batchId}/pause`, { method: "POST", key: g.key });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ live: 0 });
    await runDispatcherAlarm(g.tenant.id);
    await tickDispatcher(g.tenant.id, Date.now() + 10_000);
    expect(dialsOfAll(g.callIds)).toEqual([0, 0, 0]);
    const held = await inspect(g.tenant.id);
    expect(held.live).toHaveLength(0);
    expect(held.waiting.map((e) => e.call_id)).toEqual(g.callIds);
    expect((await campaign(g.key, g.batchId)).progress.byStatus).toMatchObject({ queued: 3 });

    expect((await call(`/api/v1/calls/campaigns/${g.batchId}/resume`, { method: "POST", key: g.key })).status).toBe(200);
    await runDispatcherAlarm(g.tenant.id);
    expect(dialsOfAll(g.callIds)).toEqual([1, 1, 1]);
    expect((await inspect(g.tenant.id)).live).toHaveLength(3);
  });

  it("concurrent creates never hold more lines than the limit, granted or started, and each granted call is dialed once", async () => {
    const t = await tenantWith(3, 10);
    const requests = [0, 2, 4, 6, 8].map((i) =>
      call("/api/v1/calls", { method: "POST", key: t.key, json: { agentId: t.agent.id, patients: t.patientIds.slice(i, i + 2).map((patientId) => ({ patientId })) }, starts: false }),
    );
    // Watch the lines while the requests and the alarms they set run.
    let most = 0;
    const watching = (async () => {
      for (let i = 0; i < 20; i++) most = Math.max(most, (await inspect(t.tenant.id)).live.length);
    })();
    const answers = await Promise.all(requests);
    await watching;
    for (const a of answers) expect(a.status).toBe(201);
    expect(answers.reduce((n, a) => n + a.body.totalInitiated, 0)).toBe(3);
    expect(answers.reduce((n, a) => n + a.body.totalQueued, 0)).toBe(7);
    await runDispatcherAlarm(t.tenant.id);
    most = Math.max(most, (await inspect(t.tenant.id)).live.length);
    expect(most).toBeLessThanOrEqual(3);
    const granted = answers.flatMap((a) => a.body.calls.filter((c: { status: string }) => c.status === "initiating").map((c: { callId: string }) => c.callId as string));
    const all = answers.flatMap((a) => a.body.calls.map((c: { callId: string }) => c.callId as string));
    expect(dialsOfAll(granted)).toEqual([1, 1, 1]);
    expect(all.reduce((n, id) => n + dialsOf(id, 1), 0)).toBe(3);
    const { live } = await inspect(t.tenant.id);
    expect(live.map((e) => e.call_id).sort()).toEqual([...granted].sort());
  });
});

describe("surfaces whose answer shows the started call still wait for the start", () => {
  it("VoIPbin's aicall create answers after the call object took the call", async () => {
    const t = await tenantWith(10, 1);
    const res = await call(`/v1.0/aicalls?accesskey=${encodeURIComponent(t.key)}`, {
      method: "POST",
      json: { assistance_type: "ai", assistance_id: t.agent.id, reference_type: "call", reference_id: t.patientIds[0] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Dialed before the answer: nothing else was run.
    expect(dialsOf(res.body.id, 1)).toBe(1);
    expect((await inspect(t.tenant.id)).live.map((e) => e.starting)).toEqual([0]);
  });
});

describe("the starts' alarm", () => {
  it("is set a moment after the grant, and never pushes back an alarm already due sooner", async () => {
    const t = await tenantWith(5, 2);
    const batch = await createBatch(t.key, { agentId: t.agent.id, patients: t.patientIds.map((patientId) => ({ patientId })), scheduledAt: new Date(Date.now() + 3600_000).toISOString() });
    const [first, second] = batch.calls.map((c) => ({ callId: c.callId, campaignId: batch.batchId, timezone: null }));
    const alarms = await runInDurableObject(dispatcher(t.tenant.id), async (instance: TenantDispatcher, state) => {
      await state.storage.deleteAlarm();
      const before = Date.now();
      await instance.enqueue(t.tenant.id, batch.batchId, [first!]);
      const afterFirst = await state.storage.getAlarm();
      // Another create a moment later: the alarm set by the first stands (a stream of creates cannot starve the starts).
      await new Promise((r) => setTimeout(r, 20));
      await instance.enqueue(t.tenant.id, batch.batchId, [second!]);
      return { before, afterFirst, afterSecond: await state.storage.getAlarm() };
    });
    expect(alarms.afterFirst).toBeGreaterThanOrEqual(alarms.before + START_AFTER_GRANT_MS);
    expect(alarms.afterFirst).toBeLessThanOrEqual(Date.now() + START_AFTER_GRANT_MS);
    expect(alarms.afterSecond).toBe(alarms.afterFirst);
    await runDispatcherAlarm(t.tenant.id);
    expect(await Promise.all(batch.calls.map((c) => dialsOf(c.callId, 1)))).toEqual([1, 1]);
  });
});
