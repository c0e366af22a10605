import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import type { CallObject } from "../../src/objects/call/call-object";
import { callStub } from "../helpers/objects";
import { createCalls, hangup, placeCall } from "../helpers/calls";
import { poll } from "../helpers/wait";
import { setup } from "../helpers/tenants";
import { customerEndpoints } from "../fakes/customer-endpoints";
import { quiesceEndpoints, registerEndpoint } from "../helpers/webhooks";
import { serveForFile } from "../network";
import { d1, faults, runAlarmsUntil } from "./helpers";
import { callRow } from "../helpers/calls";

const customers = customerEndpoints();
serveForFile(...customers.handlers);
afterAll(() => quiesceEndpoints());

/** Deliveries queued for one call's events of `type`, straight from D1. */
async function deliveriesFor(callId: string, type: string): Promise<number> {
  const row = await env.DB.prepare(
    `SELECT count(*) AS n FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
      WHERE e.type = ? AND json_extract(e.payload, '$.data.call_id') = ?`,
  )
    .bind(type, callId)
    .first<{ n: number }>();
  return row!.n;
}

async function withEndpoint() {
  const s = await setup();
  await registerEndpoint(s.key, { url: customers.endpoint().url, events: ["call.created", "call.completed", "call.failed"] });
  return s;
}

describe("every ending reaches the clinic: events are written with the state they announce", () => {
  const rules = faults();

  it("call.completed is not lost when D1 fails between the transition and its announcement", async () => {
    const { key, patient, agent } = await withEndpoint();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    rules.set(d1("INSERT INTO webhook_deliveries"));
    await callStub(callId).applyProviderEvent({ status: "completed", outcome: "human", finalReport: { outcome: "human" } });
    await runAlarmsUntil(callId, async () => (await callRow(callId))!.status === "completed");
    expect(await deliveriesFor(callId, "call.completed")).toBe(1);
  });

  it("call.failed is announced once when a write-through committed but its answer was lost (and is written again)", async () => {
    const { key, patient, agent } = await withEndpoint();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    rules.set(d1("UPDATE calls SET status", "error-after"));
    expect((await hangup(key, callId)).status).toBe(200);
    await runAlarmsUntil(callId, async () => {
      const outbox = await runInDurableObject(callStub(callId), async (_i: CallObject, state) => (await state.storage.get<unknown[]>("outbox")) ?? []);
      return outbox.length === 0;
    });
    expect(await callRow(callId)).toMatchObject({ status: "failed" });
    expect(await deliveriesFor(callId, "call.failed")).toBe(1);
  });

  it("call.created: a create whose announcement cannot be written creates nothing (and a retry creates and announces)", async () => {
    const { tenant, key, patient, agent } = await withEndpoint();
    rules.set(d1("INSERT INTO webhook_deliveries"));
    const failed = await createCalls(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id });
    expect(failed.status).toBe(500);
    const count = async () => (await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE tenant_id = ?").bind(tenant.id).first<{ n: number }>())!.n;
    expect(await count()).toBe(0);
    const callId = await placeCall(key, patient.patient_id, agent.id);
    expect(await deliveriesFor(callId, "call.created")).toBe(1);
  });

  it("the sender is woken for the new deliveries", async () => {
    const { key, patient, agent } = await setup();
    const target = customers.endpoint();
    await registerEndpoint(key, { url: target.url, events: ["call.created"] });
    await placeCall(key, patient.patient_id, agent.id);
    const received = await poll(async () => customers.to(target.name), (r) => r.length === 1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ type: "call.created" });
  });
});

describe("audit that cannot be skipped", () => {
  const rules = faults();

  it("call.created: no call exists without its audit row", async () => {
    const { tenant, key, patient, agent } = await setup();
    rules.set({ ...d1("INSERT INTO audit_events"), times: 2 });
    await createCalls(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id });
    const calls = await env.DB.prepare("SELECT id FROM calls WHERE tenant_id = ?").bind(tenant.id).all<{ id: string }>();
    for (const { id } of calls.results) {
      const audit = await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'call.created' AND object_id = ?").bind(tenant.id, id).first<{ n: number }>();
      expect(audit!.n, `call.created audit of ${id}`).toBe(1);
    }
  });

  it("call.hung_up is written with the hang-up itself: never one without the other", async () => {
    const { tenant, key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    rules.set({ ...d1("INSERT INTO audit_events"), times: 2 });
    expect((await hangup(key, callId)).status).toBe(200);
    const audited = async () =>
      (await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'call.hung_up' AND object_id = ?").bind(tenant.id, callId).first<{ n: number }>())!.n;
    // Whatever D1 holds at any moment, the hang-up and its audit row agree.
    expect((await callRow(callId))!.status === "failed").toBe((await audited()) === 1);
    await runAlarmsUntil(callId, async () => (await callRow(callId))!.status === "failed");
    expect(await audited()).toBe(1);
    const row = await env.DB.prepare("SELECT actor_type, actor_id, request_id FROM audit_events WHERE tenant_id = ? AND action = 'call.hung_up'").bind(tenant.id).first();
    expect(row).toMatchObject({ actor_type: "api_key", actor_id: expect.any(String), request_id: expect.stringMatching(/^req_/) });
  });
});
