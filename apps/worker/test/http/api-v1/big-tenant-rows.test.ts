import { describe, expect, it } from "vitest";
import { createBatch } from "../../helpers/calls";
import { rowsReadBy } from "../../helpers/d1-reads";
import { insertPatients } from "../../helpers/seed";
import { createAgent, createTenant } from "../../helpers/tenants";

/*
 * A request about one patient or one campaign reads that patient's or campaign's rows, however much
 * history the tenant has. Each case runs the same request for a tenant with nothing else and for one
 * with 900 other calls; D1's rows read (every statement of the request) must not grow with them.
 * (Without table statistics, SQLite's planner took `tenant_id = ?` for the narrower index and walked
 * every call of the tenant's: these requests read 900+ rows more for the larger tenant.)
 */

const LATER = () => new Date(Date.now() + 3600_000).toISOString();

async function tenantWithHistory(otherCalls: number) {
  const tenant = await createTenant();
  const agent = await createAgent(tenant.apiKey, { simulator: { durationMs: 600_000 } });
  if (otherCalls) {
    const others = await insertPatients(tenant.id, otherCalls);
    await createBatch(tenant.apiKey, { agentId: agent.id, patients: others.map((patientId) => ({ patientId })), scheduledAt: LATER() });
  }
  const patients = await insertPatients(tenant.id, 3);
  const batch = await createBatch(tenant.apiKey, { agentId: agent.id, patients: patients.map((patientId) => ({ patientId })), scheduledAt: LATER() });
  return { key: tenant.apiKey, patientId: patients[0]!, batchId: batch.batchId };
}

async function rowsFor(otherCalls: number, request: (t: Awaited<ReturnType<typeof tenantWithHistory>>) => [string, RequestInit?]) {
  const t = await tenantWithHistory(otherCalls);
  const [path, init] = request(t);
  const measured = await rowsReadBy(path, { ...init, headers: { "X-API-Key": t.key, ...(init?.headers ?? {}) } });
  expect(measured.response.status, path).toBeLessThan(300);
  return measured.rowsRead;
}

describe("rows a request reads do not grow with the tenant's history", () => {
  const cases: [string, (t: Awaited<ReturnType<typeof tenantWithHistory>>) => [string, RequestInit?]][] = [
    ["a patient's contact history", (t) => [`/api/v1/patients/${t.patientId}/contacts`]],
    ["a campaign with its progress and policy counts", (t) => [`/api/v1/calls/campaigns/${t.batchId}`]],
    ["canceling a campaign", (t) => [`/api/v1/calls/campaigns/${t.batchId}/cancel`, { method: "POST" }]],
  ];
  for (const [name, request] of cases) {
    it(name, async () => {
      const alone = await rowsFor(0, request);
      const busy = await rowsFor(900, request);
      expect(busy, `${name}: ${alone} rows alone, ${busy} beside 900 other calls`).toBeLessThanOrEqual(alone + 10);
    });
  }
});

