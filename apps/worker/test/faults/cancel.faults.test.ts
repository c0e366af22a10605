import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createBatch, historyOf } from "../helpers/calls";
import { fireCron, inspect } from "../helpers/objects";
import { patchTenant } from "../helpers/tenants";
import { call } from "../helpers/http";
import { createAgent, createPatient, createTenant } from "../helpers/tenants";
import { d1, faults } from "./helpers";

const LONG = { simulator: { durationMs: 600_000 } };
const cancel = (key: string, batchId: string) => call(`/api/v1/calls/campaigns/${batchId}/cancel`, { method: "POST", key });

/** A running campaign of `n` calls on a tenant with one line: one call live, the rest queued. */
async function runningCampaign(n: number) {
  const tenant = await createTenant();
  await patchTenant(tenant.id, { concurrencyLimit: 1 });
  const agent = await createAgent(tenant.apiKey, LONG);
  const patients = [];
  for (let i = 0; i < n; i++) patients.push({ patientId: (await createPatient(tenant.apiKey)).patient_id });
  const batch = await createBatch(tenant.apiKey, { agentId: agent.id, patients });
  return { tenant, key: tenant.apiKey, batch };
}

async function statuses(batchId: string): Promise<Record<string, number>> {
  const rows = await env.DB.prepare("SELECT status, count(*) AS n FROM calls WHERE campaign_id = ? GROUP BY status").bind(batchId).all<{ status: string; n: number }>();
  return Object.fromEntries(rows.results.map((r) => [r.status, r.n]));
}

describe("canceling a campaign is resumable: a crash half way never leaves calls queued for ever", () => {
  const rules = faults();

  it("D1 fails after the dispatcher dropped the queue: the cancel is in force at once, and the cron finishes it (twice at once is fine)", async () => {
    const { tenant, key, batch } = await runningCampaign(4);
    expect(await statuses(batch.batchId)).toEqual({ initiating: 1, queued: 3 });
    rules.set(d1("NOT IN (SELECT value FROM json_each(?))"));
    const first = await cancel(key, batch.batchId);
    expect(first.status).toBe(503);
    expect(first.body.error.message).toMatch(/^The campaign is canceled and none of its calls will be dialed/);
    // The dispatcher no longer holds the queued calls; nothing will dial them.
    expect((await inspect(tenant.id)).waiting).toEqual([]);

    // Not a minute yet: the cron leaves it to the request that may still be finishing it.
    await fireCron(Date.now());
    expect(await statuses(batch.batchId)).toEqual({ initiating: 1, queued: 3 });
    const later = Date.now() + 61_000;
    await Promise.all([fireCron(later), fireCron(later)]);
    expect(await statuses(batch.batchId)).toEqual({ initiating: 1, canceled: 3 });
    const campaign = await env.DB.prepare("SELECT status, cancel_pending_since FROM campaigns WHERE id = ?").bind(batch.batchId).first();
    expect(campaign).toEqual({ status: "canceled", cancel_pending_since: null });
    const ended = batch.calls.find((c) => c.status === "queued")!;
    expect((await historyOf(ended.callId)).filter((e) => e.type === "campaign.canceled")).toHaveLength(1);
  });

  it("D1 fails on the first step: nothing changed, and canceling again works", async () => {
    const { key, batch } = await runningCampaign(3);
    rules.set(d1("UPDATE campaigns SET status = 'canceled'"));
    expect((await cancel(key, batch.batchId)).status).toBe(500);
    expect(await statuses(batch.batchId)).toEqual({ initiating: 1, queued: 2 });
    const again = await cancel(key, batch.batchId);
    expect(again).toMatchObject({ status: 200, body: { canceled: 2, live: 1 } });
    expect(await statuses(batch.batchId)).toEqual({ initiating: 1, canceled: 2 });
  });

  it("a cancel retried after a partial failure reports and finishes", async () => {
    const { key, batch } = await runningCampaign(3);
    rules.set(d1("NOT IN (SELECT value FROM json_each(?))"));
    expect((await cancel(key, batch.batchId)).status).toBe(503);
    const again = await cancel(key, batch.batchId);
    expect(again).toMatchObject({ status: 200, body: { status: "canceled", live: 1 } });
    expect(await statuses(batch.batchId)).toEqual({ initiating: 1, canceled: 2 });
  });
});
