import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordDeferrals } from "../../../src/objects/dispatcher/release-page";
import { createBatch } from "../../helpers/calls";
import { insertPatients } from "../../helpers/seed";
import { createAgent, createTenant } from "../../helpers/tenants";

describe("recording a release page's deferrals reads the page's calls, not every queued call", () => {
  it("reads a few rows per deferred call while 600 other calls wait in the queue", async () => {
    const tenant = await createTenant();
    const agent = await createAgent(tenant.apiKey, { simulator: { durationMs: 600_000 } });
    const patientIds = await insertPatients(tenant.id, 600);
    const batch = await createBatch(tenant.apiKey, { agentId: agent.id, patients: patientIds.map((patientId) => ({ patientId })) });
    // Five of them as a release page leaves them: queued, not yet decided.
    const page = batch.calls.filter((c) => c.status === "queued").slice(0, 5).map((c) => c.callId);
    await env.DB.prepare("UPDATE calls SET policy_decision = NULL WHERE id IN (SELECT value FROM json_each(?))").bind(JSON.stringify(page)).run();

    const until = Date.now() + 3_600_000;
    const results = await env.DB.batch(recordDeferrals(env.DB, page.map((callId) => ({ callId, until, reason: "outside_calling_hours", reasons: ["outside_calling_hours"] })), Date.now()));
    const changed = await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE id IN (SELECT value FROM json_each(?)) AND policy_decision = 'defer'").bind(JSON.stringify(page)).first<{ n: number }>();
    expect(changed!.n).toBe(5);
    const rowsRead = results.reduce((sum, r) => sum + (r.meta.rows_read ?? 0), 0);
    // Per call: its row by id, its history's last seq. (Matched against every queued call it read 1,200+.)
    expect(rowsRead).toBeLessThan(60);
  });
});
