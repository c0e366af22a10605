import { describe, expect, it } from "vitest";
import { api, expectEnvelope, json } from "../../helpers/http";
import { createAgent, createPatient, createTenant } from "../../helpers/tenants";
import { createCalls, hangup, listCalls } from "../../helpers/calls";
import { sleep, waitForStatus } from "../../helpers/wait";

/** A tenant with two agents and three patients; two campaigns; one call hung up (failed, hung_up_by_api). */
async function world() {
  const tenant = await createTenant("Search Clinic");
  const key = tenant.apiKey;
  const [ada, bob, cy] = [await createPatient(key), await createPatient(key), await createPatient(key)];
  const reminder = await createAgent(key, { name: "Reminder" });
  const billing = await createAgent(key, { name: "Billing" });
  const first = await json(await createCalls(key, { patients: [{ patientId: ada.patient_id }, { patientId: bob.patient_id }], agentId: reminder.id }));
  await sleep(5); // created_at of the second batch is strictly later
  const between = new Date().toISOString();
  await sleep(5);
  const second = await json(await createCalls(key, { patients: [{ patientId: cy.patient_id }], agentId: billing.id }));
  const [adaCall, bobCall] = first.calls.map((c: any) => c.callId);
  const cyCall = second.calls[0].callId;
  expect((await hangup(key, adaCall)).status).toBe(200);
  await waitForStatus(key, adaCall, "failed");
  return { key, ada, bob, cy, reminder, billing, first: first.batchId, second: second.batchId, adaCall, bobCall, cyCall, between };
}

const ids = (page: any) => page.data.map((c: any) => c.id).sort();

describe("GET /api/v1/calls filters", () => {
  it("narrows by status, outcome, agent, campaign, patient and creation time, all at once when combined", async () => {
    const w = await world();
    expect(ids(await listCalls(w.key))).toEqual([w.adaCall, w.bobCall, w.cyCall].sort());
    expect(ids(await listCalls(w.key, "?status=failed"))).toEqual([w.adaCall]);
    expect(ids(await listCalls(w.key, "?status=initiating,dialing,in-progress,failed"))).toEqual([w.adaCall, w.bobCall, w.cyCall].sort());
    expect(ids(await listCalls(w.key, "?status=initiating,dialing,in-progress"))).toEqual([w.bobCall, w.cyCall].sort());
    expect(ids(await listCalls(w.key, "?outcome=hung_up_by_api"))).toEqual([w.adaCall]);
    expect(ids(await listCalls(w.key, "?outcome=human,voicemail"))).toEqual([]);
    expect(ids(await listCalls(w.key, `?agent_id=${w.billing.id}`))).toEqual([w.cyCall]);
    expect(ids(await listCalls(w.key, `?batch_id=${w.first}`))).toEqual([w.adaCall, w.bobCall].sort());
    expect(ids(await listCalls(w.key, `?patient_id=${w.bob.patient_id}`))).toEqual([w.bobCall]);
    expect(ids(await listCalls(w.key, `?created_after=${encodeURIComponent(w.between)}`))).toEqual([w.cyCall]);
    expect(ids(await listCalls(w.key, `?created_before=${encodeURIComponent(w.between)}`))).toEqual([w.adaCall, w.bobCall].sort());
    expect(ids(await listCalls(w.key, `?batch_id=${w.first}&status=failed&agent_id=${w.reminder.id}`))).toEqual([w.adaCall]);
    expect(ids(await listCalls(w.key, `?batch_id=${w.first}&agent_id=${w.billing.id}`))).toEqual([]);
  });

  it("counts the filtered calls in the pagination, not all of them", async () => {
    const w = await world();
    const page = await listCalls(w.key, `?batch_id=${w.first}&size=1`);
    expect(page.data).toHaveLength(1);
    expect(page.pagination).toMatchObject({ total: 2, returned_count: 1, hasMore: true });
  });

  it("never shows another tenant's calls, whatever the filter names", async () => {
    const w = await world();
    const other = await createTenant("Other");
    expect((await listCalls(other.apiKey, `?batch_id=${w.first}`)).data).toEqual([]);
    expect((await listCalls(other.apiKey, `?patient_id=${w.ada.patient_id}`)).data).toEqual([]);
  });

  it.each([
    ["?status=done", /status must be one or more of scheduled, queued, .*comma separated/],
    ["?status=failed,,completed", /status must be one or more of/],
    ["?outcome=human,nope", /outcome must be one or more of human, voicemail/],
    ["?created_after=yesterday", /created_after must be an ISO 8601 date-time/],
    ["?created_before=2026-13-45", /created_before must be an ISO 8601 date-time/],
    [`?agent_id=${"x".repeat(200)}`, /agent_id must be an id/],
  ])("refuses %s with a 400 that says what is wrong", async (query, message) => {
    const tenant = await createTenant();
    const res = await api(`/api/v1/calls${query}`, { key: tenant.apiKey });
    expect(res.status).toBe(400);
    expectEnvelope(await res.json(), 400, "/api/v1/calls", "GET", message);
  });
});
