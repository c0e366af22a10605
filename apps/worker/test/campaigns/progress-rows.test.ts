import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { campaignProgress } from "../../src/campaigns/progress";
import { createBatch } from "../helpers/calls";
import { insertPatients } from "../helpers/seed";
import { createAgent, createTenant } from "../helpers/tenants";

describe("a campaign's progress", () => {
  it("counts the campaign's calls, not every call of the tenant's", async () => {
    const tenant = await createTenant();
    const agent = await createAgent(tenant.apiKey, { simulator: { durationMs: 600_000 } });
    const later = new Date(Date.now() + 3600_000).toISOString();
    const big = await insertPatients(tenant.id, 900);
    await createBatch(tenant.apiKey, { agentId: agent.id, patients: big.map((patientId) => ({ patientId })), scheduledAt: later });
    const small = await createBatch(tenant.apiKey, { agentId: agent.id, patients: (await insertPatients(tenant.id, 5)).map((patientId) => ({ patientId })), scheduledAt: later });

    const reads: number[] = [];
    const db = new Proxy(env.DB, {
      get(target, prop) {
        if (prop !== "prepare") return Reflect.get(target, prop, target);
        return (sql: string) => {
          const statement = target.prepare(sql);
          return new Proxy(statement, {
            get(s, p) {
              if (p === "bind") return (...values: unknown[]) => {
                const bound = s.bind(...values);
                return { all: async () => { const r = await bound.all(); reads.push(r.meta.rows_read); return r; } };
              };
              return Reflect.get(s, p, s);
            },
          });
        };
      },
    });
    const progress = await campaignProgress(db as D1Database, tenant.id, [{ id: small.batchId, status: "scheduled" }]);
    expect(progress.get(small.batchId)!.total).toBe(5);
    // Its 5 calls through the campaign's index (the planner once walked all 905 of the tenant's).
    expect(reads.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(20);
  });
});
