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
  it("reads the page's calls (each with its patient's details), the API key with its tenant and the tenant's count: no patient rows, no count over every call", async () => {
    const tenant = await tenantWithCalls(3);
    const { response, rowsRead, rowsReadBySelects, rowsWritten, statements, perStatement } = await firstPage(tenant.apiKey);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.data).toHaveLength(100);
    expect(body.data.every((c: any) => c.patient?.first_name === "Pat")).toBe(true);
    expect(body.pagination).toMatchObject({ start: 1, requested_size: 100, returned_count: 100, total: 450, hasMore: true });
    const key = perStatement.filter((_, i) => /"api_keys"/.test(statements[i]!)).reduce((n, s) => n + s.rowsRead, 0);
    // The API key with its tenant: two rows (which an isolate's cache of known keys takes away).
    expect(key).toBeLessThanOrEqual(2);
    // The rest (issue 14: a page of 100 reads at most 102 rows): 100 calls + the tenant's count row.
    expect(rowsRead - key).toBe(101);
    expect(rowsReadBySelects).toBe(rowsRead);
    expect(statements.some((s) => /"patients"/.test(s))).toBe(false);
    // The whole request: 103 rows read; the read audit (a row per call shown, from a VALUES list
    // rather than json_each, no AUTOINCREMENT bookkeeping) reads none and writes 100 rows + 3 index entries each.
    expect(rowsRead).toBeLessThanOrEqual(103);
    expect(rowsWritten).toBe(400);
    expect(statements.some((s) => /count\(/i.test(s))).toBe(false);
    // The next page of the same key, its key now in the isolate's cache: 102 rows at most, all told (101).
    const again = await rowsReadBy("/api/v1/calls?size=100", { headers: { "X-API-Key": tenant.apiKey } });
    expect(again.response.status).toBe(200);
    expect(again.statements.some((s) => /"api_keys"/.test(s))).toBe(false);
    expect(again.rowsRead).toBeLessThanOrEqual(102);
    expect(again.rowsRead).toBe(101);
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

describe("GET /api/v1/calls/{id} reads the call row only", () => {
  it("reads the call (its patient's details are on its row), once to record the read and once to answer, and the API key with its tenant", async () => {
    const tenant = await tenantWithCalls(1, 5);
    const { results } = await env.DB.prepare("SELECT id FROM calls WHERE tenant_id = ? LIMIT 1").bind(tenant.id).all<{ id: string }>();
    const { response, rowsRead, statements, roundTrips } = await firstPage(tenant.apiKey, `/api/v1/calls/${results[0]!.id}`);
    expect(response.status).toBe(200);
    expect((await json(response)).patient).toBeTruthy();
    expect(statements.some((s) => /"agents"|call_options|"patients"/.test(s))).toBe(false);
    // The API key with its tenant (2), the audit row's check that the call is the tenant's (1), the call (1).
    expect(rowsRead).toBeLessThanOrEqual(4);
    // The API key, then the call with its read's record in one batch.
    expect(roundTrips).toBeLessThanOrEqual(2);
  });
});
