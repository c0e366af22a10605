import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dialsOf } from "../../src/lib/faults";
import { call } from "../helpers/http";
import { listCalls } from "../helpers/calls";
import { setup, uniquePhone } from "../helpers/tenants";
import { d1, faults } from "./helpers";

/** Calls the tenant has, straight from D1 (the API's own list could be what fails). */
async function callCount(tenantId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>();
  return row!.n;
}

/** Time passes beyond the claim's lease: a retry may take the key over. */
async function leaseRunsOut(tenantId: string) {
  await env.DB.prepare("UPDATE idempotency_keys SET locked_until = 0 WHERE tenant_id = ?").bind(tenantId).run();
}

describe("Idempotency-Key: calls committed once are never placed again", () => {
  const rules = faults();

  it("/v1/calls/create: the read-back fails after the call was committed; the retry answers that call and dials nobody again", async () => {
    const { tenant, key, agent } = await setup();
    const request = {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Idempotency-Key": "vocode-1" },
      json: { from_number: "+15555550100", to_number: uniquePhone(), agent: agent.id },
    };
    rules.set(d1('from "calls" left join "patients"'));
    const first = await call("/v1/calls/create", request);
    expect(first.status).toBe(500);
    expect(first.body).toEqual({ detail: "Internal Server Error" });
    await leaseRunsOut(tenant.id);

    const retry = await call("/v1/calls/create", request);
    expect(retry.status).toBe(200);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await callCount(tenant.id)).toBe(1);
    const [only] = (await listCalls(key)).data;
    expect(retry.body.id).toBe(only.id);
    expect(dialsOf(only.id, 1)).toBe(1);
    // And from now on the stored answer is replayed as it is.
    const again = await call("/v1/calls/create", request);
    expect(again).toMatchObject({ status: 200, body: retry.body });
    expect(await callCount(tenant.id)).toBe(1);
  });

  it("/v1.0/aicalls: the same, in VoIPbin's surface", async () => {
    const { tenant, key, agent, patient } = await setup();
    const request = {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Idempotency-Key": "voipbin-1" },
      json: { assistance_type: "ai", assistance_id: agent.id, reference_type: "call", reference_id: patient.patient_id },
    };
    rules.set(d1('from "calls" left join "patients"'));
    expect((await call("/v1.0/aicalls", request)).status).toBe(500);
    await leaseRunsOut(tenant.id);
    const retry = await call("/v1.0/aicalls", request);
    expect(retry.status).toBe(200);
    expect(await callCount(tenant.id)).toBe(1);
    expect(dialsOf(retry.body.id, 1)).toBe(1);
  });

  it("/api/v1/calls: the batch committed but its answer was lost; the retry answers the same batch", async () => {
    const { tenant, key, agent, patient } = await setup();
    const request = { method: "POST", headers: { "Idempotency-Key": "batch-1" }, key, json: { patients: [{ patientId: patient.patient_id }], agentId: agent.id } };
    rules.set(d1('insert into "campaigns"', "error-after"));
    expect((await call("/api/v1/calls", request)).status).toBe(500);
    await leaseRunsOut(tenant.id);
    const retry = await call("/api/v1/calls", request);
    expect(retry.status).toBe(201);
    expect(await callCount(tenant.id)).toBe(1);
    const [only] = (await listCalls(key)).data;
    expect(retry.body.calls.map((c: { callId: string }) => c.callId)).toEqual([only.id]);
    expect(retry.body.batchId).toBe(only.batch_id ?? retry.body.batchId);
  });

  it("/api/v1/calls: storing the response fails; the client gets its answer, and a retry replays the batch", async () => {
    const { tenant, key, agent, patient } = await setup();
    const request = { method: "POST", headers: { "Idempotency-Key": "batch-2" }, key, json: { patients: [{ patientId: patient.patient_id }], agentId: agent.id } };
    rules.set(d1("SET state = 'done'"));
    const first = await call("/api/v1/calls", request);
    expect(first.status).toBe(201);
    await leaseRunsOut(tenant.id);
    const retry = await call("/api/v1/calls", request);
    expect(retry.status).toBe(201);
    expect(retry.body.batchId).toBe(first.body.batchId);
    expect(retry.body.calls.map((c: { callId: string }) => c.callId)).toEqual(first.body.calls.map((c: { callId: string }) => c.callId));
    expect(await callCount(tenant.id)).toBe(1);
  });
});

describe("commitKeyStatements", () => {
  it("rolls the whole create batch back when the claim is no longer the request's", async () => {
    const { commitKeyStatements } = await import("../../src/idempotency/store");
    const tenantId = crypto.randomUUID();
    const now = Date.now();
    await env.DB.prepare(
      `INSERT INTO idempotency_keys (tenant_id, idempotency_key, fingerprint, state, claim_token, locked_until, created_at, expires_at)
       VALUES (?, 'k', 'f', 'running', 'token-of-the-retry', ?, ?, ?)`,
    )
      .bind(tenantId, now + 60_000, now, now + 86_400_000)
      .run();
    const marker = env.DB.prepare("INSERT INTO audit_events (tenant_id, actor_type, action, object_type, object_id, at) VALUES (?, 'system', 'call.created', 'call', 'x', ?)").bind(tenantId, now);
    // The first request's lease ran out and a retry took the key: its batch must not commit.
    await expect(env.DB.batch([...commitKeyStatements(env.DB, { tenantId, key: "k", token: "token-of-the-first" }, "b-1"), marker])).rejects.toThrow();
    expect(await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE tenant_id = ?").bind(tenantId).first("n")).toBe(0);
    // The holder's batch commits, and records its outcome.
    await env.DB.batch([...commitKeyStatements(env.DB, { tenantId, key: "k", token: "token-of-the-retry" }, "b-2"), marker]);
    expect(await env.DB.prepare("SELECT state, batch_id FROM idempotency_keys WHERE tenant_id = ?").bind(tenantId).first()).toEqual({ state: "committed", batch_id: "b-2" });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE tenant_id = ?").bind(tenantId).first("n")).toBe(1);
  });
});
