import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createBatch } from "../../helpers/calls";
import { forgetTenantKeys } from "../../../src/tenants/key-cache";
import { rowsReadBy } from "../../helpers/d1-reads";
import { json } from "../../helpers/http";
import { insertPatients } from "../../helpers/seed";
import { createAgent, createTenant } from "../../helpers/tenants";

const LONG = { simulator: { durationMs: 600_000 } };

async function tenantWithCalls(batches: number, perBatch = 150) {
  const tenant = await createTenant();
  const agent = await createAgent(tenant.apiKey, LONG);
  const batchIds: string[] = [];
  for (let i = 0; i < batches; i++) {
    const patientIds = await insertPatients(tenant.id, perBatch);
    batchIds.push((await createBatch(tenant.apiKey, { agentId: agent.id, patients: patientIds.map((patientId) => ({ patientId })) })).batchId);
  }
  return { ...tenant, batchIds };
}

/** A page's rows, the API key's read included: this isolate's key cache is emptied first, so every measurement reads it alike. */
function firstPage(key: string, path = "/api/v1/calls?size=100") {
  forgetTenantKeys();
  return rowsReadBy(path, { headers: { "X-API-Key": key } });
}

describe("GET /api/v1/calls reads a page, not the tenant's history (D1 meta.rows_read)", () => {
  it("reads the page's calls, their patients, the API key with its tenant and the tenant's count: no count over every call", async () => {
    const tenant = await tenantWithCalls(3);
    const { response, rowsRead, rowsReadBySelects, statements } = await firstPage(tenant.apiKey);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.data).toHaveLength(100);
    expect(body.pagination).toMatchObject({ start: 1, requested_size: 100, returned_count: 100, total: 450, hasMore: true });
    // 100 calls + the 100 patients the Call object embeds + the API key and its tenant + the tenant's count row.
    expect(rowsReadBySelects).toBeLessThanOrEqual(203);
    // The read's audit rows (one per call shown, INSERT ... SELECT FROM json_each): D1 counts the 100 ids it reads.
    expect(rowsRead - rowsReadBySelects).toBeLessThanOrEqual(102);
    expect(statements.some((s) => /count\(/i.test(s))).toBe(false);
  });

  it("reads as many rows for a tenant twice as large", async () => {
    const small = await tenantWithCalls(2);
    const large = await tenantWithCalls(4);
    const a = await firstPage(small.apiKey);
    const b = await firstPage(large.apiKey);
    expect((await json(a.response)).pagination.total).toBe(300);
    expect((await json(b.response)).pagination.total).toBe(600);
    expect(b.rowsRead).toBe(a.rowsRead);
  });

  it("keeps the total right when call rows are deleted (data lifecycle) and counts a filtered list over its filter", async () => {
    const tenant = await tenantWithCalls(1, 120);
    const { results } = await env.DB.prepare("SELECT id FROM calls WHERE tenant_id = ? LIMIT 2").bind(tenant.id).all<{ id: string }>();
    for (const { id } of results) {
      await env.DB.batch([
        env.DB.prepare("DELETE FROM call_events WHERE call_id = ?").bind(id),
        env.DB.prepare("DELETE FROM call_options WHERE call_id = ?").bind(id),
        env.DB.prepare("DELETE FROM calls WHERE id = ?").bind(id),
      ]);
    }
    const after = await firstPage(tenant.apiKey);
    expect((await json(after.response)).pagination).toMatchObject({ total: 118, returned_count: 100, hasMore: true });

    const filtered = await firstPage(tenant.apiKey, "/api/v1/calls?size=100&ended_after=2020-01-01T00:00:00Z");
    expect((await json(filtered.response)).pagination).toMatchObject({ total: 0, returned_count: 0, hasMore: false });
    const queued = await firstPage(tenant.apiKey, "/api/v1/calls?size=100&status=completed");
    expect((await json(queued.response)).pagination).toMatchObject({ total: 0, returned_count: 0 });
  });

  it("answers a campaign's page total from its progress (the campaign's calls counted once)", async () => {
    const tenant = await tenantWithCalls(2, 120);
    const res = await firstPage(tenant.apiKey, `/api/v1/calls/campaigns/${tenant.batchIds[0]}?size=100`);
    expect(res.response.status).toBe(200);
    const body = await json(res.response);
    expect(body.pagination).toMatchObject({ total: 120, returned_count: 100, hasMore: true });
    expect(body.campaign.progress.total).toBe(120);
    // No count of the page's own: the progress's per-status counts (and the policy's counts) are the only ones.
    expect(res.statements.some((s) => /^select count\(\*\) from "calls"/i.test(s))).toBe(false);
  });
});

describe("GET /api/v1/calls/{id} reads the call and its patient only", () => {
  it("reads the call, its patient and the API key with its tenant", async () => {
    const tenant = await tenantWithCalls(1, 5);
    const { results } = await env.DB.prepare("SELECT id FROM calls WHERE tenant_id = ? LIMIT 1").bind(tenant.id).all<{ id: string }>();
    const { response, rowsReadBySelects, statements } = await firstPage(tenant.apiKey, `/api/v1/calls/${results[0]!.id}`);
    expect(response.status).toBe(200);
    expect((await json(response)).patient).toBeTruthy();
    expect(statements.some((s) => /"agents"|call_options/.test(s))).toBe(false);
    expect(rowsReadBySelects).toBeLessThanOrEqual(4);
  });
});
