import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { placeCall } from "../../helpers/calls";
import { rowsReadBy } from "../../helpers/d1-reads";
import { call, expectEnvelope } from "../../helpers/http";
import { rows } from "../../helpers/lifecycle";
import { createPatient, setup } from "../../helpers/tenants";

/*
 * GET /api/v1/calls/{id} reads the call and writes the record of its read in one D1 batch (one
 * round trip; D1 applies a batch atomically): recorded only when the call is the tenant's, and not
 * served when it cannot be recorded.
 */

const get = (key: string, callId: string) => rowsReadBy(`/api/v1/calls/${callId}`, { headers: { "X-API-Key": key } });
const callReads = (tenantId: string) => rows(`SELECT object_id, actor_id, request_id FROM audit_events WHERE tenant_id = ? AND action = 'call.read' ORDER BY id`, tenantId);

describe("GET /api/v1/calls/{id} in one D1 round trip", () => {
  it("reads the call and records the read in the same batch, one row each", async () => {
    const { tenant, key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const res = await get(key, callId);
    expect(res.response.status).toBe(200);
    expect((await res.response.json<any>()).id).toBe(callId);
    const audit = res.perStatement[res.statements.findIndex((s) => /^INSERT INTO audit_events/.test(s))]!;
    const select = res.perStatement[res.statements.findIndex((s) => /from "calls"/.test(s))]!;
    expect(audit.trip).toBe(select.trip);
    // The call and nothing else after the API key: one trip for the call and its record.
    expect(res.perStatement.filter((s) => s.trip >= audit.trip)).toHaveLength(2);
    // The audit row checks the call exists (one row), the select reads it (one row): no patient row.
    expect(audit.rowsRead + select.rowsRead).toBe(2);
    expect(res.statements.some((s) => /patients/.test(s))).toBe(false);
    expect(await callReads(tenant.id)).toEqual([{ object_id: callId, actor_id: tenant.apiKeyId, request_id: res.response.headers.get("X-Request-Id") }]);
  });

  it("records nothing for an unknown call or another tenant's, and answers 404", async () => {
    const a = await setup();
    const b = await setup();
    const callId = await placeCall(a.key, a.patient.patient_id, a.agent.id);
    for (const [key, id] of [[b.key, callId], [a.key, crypto.randomUUID()]] as const) {
      const res = await call(`/api/v1/calls/${id}`, { key });
      expect(res.status).toBe(404);
      expectEnvelope(res.body, 404, `/api/v1/calls/${id}`, "GET", "Call not found");
    }
    expect(await callReads(a.tenant.id)).toEqual([]);
    expect(await callReads(b.tenant.id)).toEqual([]);
  });

  it("does not serve a call whose read cannot be recorded (500, no data, nothing recorded)", async () => {
    const { tenant, key, agent } = await setup();
    const patient = await createPatient(key, { firstName: "Unrecorded" });
    const callId = await placeCall(key, patient.patient_id, agent.id);
    await env.DB.prepare(`CREATE TRIGGER fail_call_reads BEFORE INSERT ON audit_events WHEN NEW.action = 'call.read' BEGIN SELECT RAISE(ABORT, 'injected'); END`).run();
    try {
      const res = await call(`/api/v1/calls/${callId}`, { key });
      expect(res.status).toBe(500);
      expectEnvelope(res.body, 500, `/api/v1/calls/${callId}`, "GET", "Internal server error");
      expect(JSON.stringify(res.body)).not.toContain("Unrecorded");
    } finally {
      await env.DB.prepare("DROP TRIGGER fail_call_reads").run();
    }
    expect(await callReads(tenant.id)).toEqual([]);
    expect((await call(`/api/v1/calls/${callId}`, { key })).status).toBe(200);
  });
});
