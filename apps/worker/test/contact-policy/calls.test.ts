import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fakeRetell } from "../fakes/retell";
import { inspect, tickDispatcher } from "../helpers/objects";
import { patchTenant } from "../helpers/tenants";
import { waitingEntry } from "../helpers/objects";
import { api, call, json, postWebhook } from "../helpers/http";
import { createAgent, createPatient } from "../helpers/tenants";
import { createCalls, getCall, getEvents } from "../helpers/calls";
import { waitForStatus } from "../helpers/wait";
import { server } from "../network";
import { vendorSetup } from "../helpers/vendors";
import { acceptWebhooks, CONSENT, countersOf, listenToWebhooks, minutesLeftInHour, recordConsent, seedContacts, webhookData, WRITTEN_CONSENT, zoneAt } from "../helpers/policy";
import { DAY } from "../helpers/policy";
import { quiesceEndpoints } from "../helpers/webhooks";

// The contact policy on calls through a real vendor (the fake Retell): whatever a call was decided
// when it was created, its call object decides again before dialing, and a refused or deferred
// call never reaches the vendor.

const KEY = "key_4a0b2c3d4e5f60718293a4b5c6d7e8f9";
const retell = fakeRetell(KEY, { post: postWebhook });
beforeEach(() => server.use(...retell.handlers, acceptWebhooks));
afterEach(() => quiesceEndpoints());

/** A tenant on Retell with a patient (where it is daytime unless told otherwise), listening to its webhooks. */
async function onRetell(patient: Record<string, unknown> = {}) {
  const setup = await vendorSetup([{ provider: "retell", agent: "agent_abc" }], { retell: { apiKey: KEY, fromNumber: "+14157774444" } }, patient);
  await listenToWebhooks(setup.key);
  return setup;
}

/** Whether Retell was ever asked to place this call. */
const dialed = (callId: string) => retell.requests.some((r) => r.url.endsWith("/create-phone-call") && r.body?.metadata?.switchboard_call_id === callId);

async function create(key: string, body: Record<string, unknown>) {
  const res = await createCalls(key, body);
  const out = await json(res);
  expect(res.status, JSON.stringify(out)).toBe(201);
  return out as { totalQueued: number; totalInitiated: number; totalDeferred: number; totalRefused: number; calls: { callId: string; status: string }[] };
}

describe("calling hours (47 CFR 64.1200(c)(1)) on a real vendor", () => {
  it("defers a call to a patient where it is 02:00 until 08:00 there, says why everywhere, and never dials it early", async () => {
    const night = zoneAt(2);
    const { tenant, key, patient, agent } = await onRetell({ timezone: night.zone });
    const batch = await create(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id });
    expect(batch).toMatchObject({ totalQueued: 1, totalInitiated: 0, totalDeferred: 1, totalRefused: 0 });
    const callId = batch.calls[0]!.callId;
    const until = new Date(night.next("08:00")).toISOString();

    // No state on record: the strictest state's hours (08:00-20:00) apply too, and agree on the morning.
    const reasons = ["outside_calling_hours", "state_quiet_hours"];
    expect(await getCall(key, callId)).toMatchObject({ status: "queued", policy: { decision: "defer", reason: "outside_calling_hours", reasons, until } });
    expect((await getEvents(key, callId)).map((e) => e.type)).toEqual(["created", "policy.deferred"]);
    expect(await webhookData(tenant.id, "call.deferred")).toEqual([
      { call_id: callId, batch_id: expect.any(String), purpose: "appointment_reminder", reason: "outside_calling_hours", reasons, until, attempt: 1 },
    ]);
    expect((await inspect(tenant.id)).waiting).toEqual([expect.objectContaining({ call_id: callId, eligible_at: Date.parse(until) })]);

    // The dispatcher is made to hand the call out at once (as if its clock were wrong): the call
    // object decides with the real time, still night, and puts the call back. Retell hears nothing.
    await tickDispatcher(tenant.id, Date.parse(until));
    await waitingEntry(tenant.id, callId, 1);
    expect((await inspect(tenant.id)).live).toEqual([]);
    expect(dialed(callId)).toBe(false);
    expect(await getCall(key, callId)).toMatchObject({ status: "queued", policy: { decision: "defer", until } });
    // The same decision again is not news: one history row, one webhook.
    expect((await getEvents(key, callId)).filter((e) => e.type === "policy.deferred")).toHaveLength(1);
  });

  it("keeps a patient's state's quiet hours, and the strictest state's when the state is unknown", async () => {
    if (minutesLeftInHour() < 2) return; // the hour must hold while the test runs
    const evening = zoneAt(20); // 20:xx: inside the federal hours, after Florida's and Oklahoma's 20:00
    const { key, agent } = await onRetell();
    const florida = await createPatient(key, { timezone: evening.zone, state: "FL" });
    const unknown = await createPatient(key, { timezone: evening.zone, state: null });
    const newYork = await createPatient(key, { timezone: evening.zone, state: "NY" });
    const batch = await create(key, { agentId: agent.id, patients: [florida, unknown, newYork].map((p) => ({ patientId: p.patient_id })) });
    const [fl, un, ny] = batch.calls.map((c) => c.callId);
    const morning = new Date(evening.next("08:00")).toISOString();
    for (const id of [fl!, un!]) {
      expect(await getCall(key, id)).toMatchObject({ status: "queued", policy: { decision: "defer", reason: "state_quiet_hours", until: morning } });
      expect(dialed(id)).toBe(false);
    }
    expect(batch.calls[2]!.status).toBe("initiating");
    expect(dialed(ny!)).toBe(true);
  });

  it("dials the simulator at night with the local dev window, never a real vendor (the Adak call)", async () => {
    const night = zoneAt(2);
    const { key, patient, agent } = await onRetell({ timezone: night.zone });
    const simulator = await createAgent(key);
    const onSimulator = await create(key, { agentId: simulator.id, patients: [{ patientId: patient.patient_id }] });
    expect(onSimulator.calls[0]!.status).toBe("initiating");
    const onVendor = await create(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }] });
    expect(onVendor).toMatchObject({ totalDeferred: 1, calls: [{ status: "queued" }] });
    expect(dialed(onVendor.calls[0]!.callId)).toBe(false);
  });
});

describe("the health-care exemption's caps (47 CFR 64.1200(a)(9)(iv))", () => {
  it("allows one reminder a day: the second waits until 24 hours after the first", async () => {
    const { tenant, key, patient, agent } = await onRetell();
    const first = await create(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }] });
    expect(dialed(first.calls[0]!.callId)).toBe(true);
    const [made] = (await countersOf(tenant.id, patient.patient_id))!.recent;
    expect(made).toEqual({ at: expect.any(Number), channel: "call", purpose: "appointment_reminder", ref: `${first.calls[0]!.callId}#1` });

    const second = await create(key, { agentId: agent.id, purpose: "lab_results", patients: [{ patientId: patient.patient_id }] });
    const callId = second.calls[0]!.callId;
    expect(await getCall(key, callId)).toMatchObject({
      status: "queued",
      purpose: "lab_results",
      policy: { decision: "defer", reason: "daily_cap", reasons: ["daily_cap"], until: new Date(made.at + DAY).toISOString() },
    });
    expect(dialed(callId)).toBe(false);
  });

  it("allows three a week: a fourth waits until the oldest is 7 days old", async () => {
    const { tenant, key, patient, agent } = await onRetell();
    const now = Date.now();
    const times = [now - 6 * DAY, now - 4 * DAY, now - 2 * DAY];
    await seedContacts(tenant.id, patient.patient_id, times.map((at) => ({ at })));
    const batch = await create(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }] });
    expect(await getCall(key, batch.calls[0]!.callId)).toMatchObject({
      policy: { decision: "defer", reason: "weekly_cap", until: new Date(times[0]! + 7 * DAY).toISOString() },
    });
    expect(dialed(batch.calls[0]!.callId)).toBe(false);
  });

  it("never lets two calls racing for one patient both use the day's one contact", async () => {
    const { key, patient, agent } = await onRetell();
    // Both are allowed when created (no contact yet), get a line at once, and reach their call
    // objects together: one records the contact, the other loses the compare-and-set, reads
    // again and waits for tomorrow.
    const batch = await create(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }, { patientId: patient.patient_id }] });
    const ids = batch.calls.map((c) => c.callId);
    expect(ids.filter(dialed)).toHaveLength(1);
    const waiting = await getCall(key, ids.find((id) => !dialed(id))!);
    expect(waiting).toMatchObject({ status: "queued", policy: { decision: "defer", reason: "daily_cap" } });
  });

  it("does not count a call no vendor would place", async () => {
    const { tenant, key, patient, agent } = await onRetell();
    retell.failNextCreate(() => Response.json({ error_message: "invalid agent" }, { status: 422 }));
    const refused = await create(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }] });
    await waitForStatus(key, refused.calls[0]!.callId, "failed");
    expect((await countersOf(tenant.id, patient.patient_id))?.recent ?? []).toEqual([]);
    const next = await create(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }] });
    expect(dialed(next.calls[0]!.callId)).toBe(true);
  });
});

describe("refusals: the call ends canceled, outcome refused, and is never dialed", () => {
  it("billing needs prior express consent; marketing needs it in writing", async () => {
    const { tenant, key, patient, agent } = await onRetell();
    const billing = await create(key, { agentId: agent.id, purpose: "billing", patients: [{ patientId: patient.patient_id }] });
    expect(billing).toMatchObject({ totalRefused: 1, totalQueued: 0, calls: [{ status: "canceled" }] });
    const refusedId = billing.calls[0]!.callId;
    expect(await getCall(key, refusedId)).toMatchObject({ status: "canceled", outcome: "refused", purpose: "billing", policy: { decision: "refuse", reason: "no_consent", until: null } });
    expect((await getEvents(key, refusedId)).map((e) => [e.type, e.to_status])).toEqual([["created", "canceled"], ["policy.refused", null]]);
    expect(await webhookData(tenant.id, "call.refused")).toEqual([
      { call_id: refusedId, batch_id: expect.any(String), purpose: "billing", reason: "no_consent", reasons: ["no_consent"], attempt: 1 },
    ]);
    expect(dialed(refusedId)).toBe(false);

    await recordConsent(key, patient.patient_id, CONSENT);
    const marketing = await create(key, { agentId: agent.id, purpose: "marketing", patients: [{ patientId: patient.patient_id }] });
    expect(await getCall(key, marketing.calls[0]!.callId)).toMatchObject({ outcome: "refused", policy: { reason: "no_consent" } });
    const allowed = await create(key, { agentId: agent.id, purpose: "billing", patients: [{ patientId: patient.patient_id }] });
    expect(allowed.calls[0]!.status).toBe("initiating");
    expect(dialed(allowed.calls[0]!.callId)).toBe(true);

    const other = await createPatient(key);
    await recordConsent(key, other.patient_id, WRITTEN_CONSENT);
    const written = await create(key, { agentId: agent.id, purpose: "marketing", patients: [{ patientId: other.patient_id }] });
    expect(dialed(written.calls[0]!.callId)).toBe(true);
  });

  it("a number put on the do-not-call list while its call waited is refused by the call object before dialing", async () => {
    const { tenant, key, patient, agent } = await onRetell();
    await patchTenant(tenant.id, { concurrencyLimit: 1 });
    const holder = await create(key, { agentId: agent.id, patients: [{ patientId: (await createPatient(key)).patient_id }] });
    const waiting = await create(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }] });
    const callId = waiting.calls[0]!.callId;
    expect(await getCall(key, callId)).toMatchObject({ status: "queued", policy: { decision: "allow" } });

    const listed = await call("/api/v1/do-not-call", { method: "POST", key, json: { numbers: [patient.phone_number] } });
    expect(listed.body).toMatchObject({ added: 1 });
    expect((await api(`/api/v1/calls/${holder.calls[0]!.callId}`, { method: "DELETE", key })).status).toBe(200);
    const ended = await waitForStatus(key, callId, "canceled");
    expect(ended).toMatchObject({ outcome: "refused", policy: { decision: "refuse", reason: "number_on_dnc" } });
    expect(dialed(callId)).toBe(false);
  });

  it("a revocation by any reasonable means stops calls at once", async () => {
    const { key, patient, agent } = await onRetell();
    const revoked = await call(`/api/v1/patients/${patient.patient_id}/consent/revoke`, { method: "POST", key, json: { source: "spoken" } });
    expect(revoked.body).toMatchObject({ optedOut: true, history: [{ source: "api", keyword: "spoken" }] });
    const batch = await create(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }] });
    expect(await getCall(key, batch.calls[0]!.callId)).toMatchObject({ outcome: "refused", policy: { reason: "opted_out" } });
    expect(dialed(batch.calls[0]!.callId)).toBe(false);
  });

  it("refuses purposes the agent or the tenant does not allow", async () => {
    const { key, patient } = await onRetell();
    const agent = (await call("/api/v1/agents", {
      method: "POST",
      key,
      json: { name: "Labs", providers: [{ provider: "retell", agent: "agent_abc" }], purpose: "lab_results", allowedPurposes: ["lab_results"] },
    })).body;
    const other = await create(key, { agentId: agent.id, purpose: "appointment_reminder", patients: [{ patientId: patient.patient_id }] });
    expect(await getCall(key, other.calls[0]!.callId)).toMatchObject({ outcome: "refused", policy: { reason: "purpose_not_allowed" } });

    expect((await call("/api/v1/contact-policy", { method: "PATCH", key, json: { allowedPurposes: ["appointment_reminder"] } })).status).toBe(200);
    const labs = await create(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }] });
    expect(await getCall(key, labs.calls[0]!.callId)).toMatchObject({ outcome: "refused", policy: { reason: "purpose_not_allowed" } });
    expect([other, labs].some((b) => dialed(b.calls[0]!.callId))).toBe(false);
  });
});

describe("campaign progress counts the policy's decisions by reason", () => {
  it("deferred and refused, by reason", async () => {
    const night = zoneAt(2);
    const { key, agent } = await onRetell();
    const asleep = await createPatient(key, { timezone: night.zone });
    const awake = await createPatient(key);
    const noConsent = await createPatient(key);
    const batch = await create(key, {
      agentId: agent.id,
      purpose: "billing",
      patients: [{ patientId: asleep.patient_id }, { patientId: awake.patient_id }, { patientId: noConsent.patient_id }],
    });
    expect(batch.totalRefused).toBe(3); // billing without consent, whatever the hour
    await recordConsent(key, asleep.patient_id);
    await recordConsent(key, awake.patient_id);
    const second = await create(key, { agentId: agent.id, purpose: "billing", patients: [{ patientId: asleep.patient_id }, { patientId: awake.patient_id }, { patientId: noConsent.patient_id }] });
    const progress = (await call(`/api/v1/calls/campaigns/${(second as any).batchId}`, { key })).body.campaign.progress;
    expect(progress.deferred).toMatchObject({ outside_calling_hours: 1, daily_cap: 0 });
    expect(progress.refused).toMatchObject({ no_consent: 1, opted_out: 0 });
    expect(progress.byStatus).toMatchObject({ queued: 1, initiating: 1, canceled: 1 });
    expect(second.calls.map((c) => dialed(c.callId))).toEqual([false, true, false]);
  });
});
