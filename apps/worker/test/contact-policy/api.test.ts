import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { inspect } from "../helpers/objects";
import { patchTenant } from "../helpers/tenants";
import { call, expectEnvelope } from "../helpers/http";
import { createAgent, createPatient, createTenant, setup, uniquePhone } from "../helpers/tenants";
import { getCall } from "../helpers/calls";
import { waitForStatus } from "../helpers/wait";
import { CONSENT, countersOf, recordConsent, seedContacts, zoneAt } from "../helpers/policy";
import { DAY } from "../helpers/policy";

// The contact policy's own API: bad input is a 4xx in the envelope; the consent ledger, the
// do-not-call list, the tenant's tightening, the dry run, pause and resume, a patient's history.

describe("bad input is a 400 in the envelope", () => {
  it("an unknown purpose, on a batch or an agent", async () => {
    const { key, patient, agent } = await setup();
    const batch = await call("/api/v1/calls", { method: "POST", key, json: { agentId: agent.id, purpose: "fundraising", patients: [{ patientId: patient.patient_id }] } });
    expectEnvelope(batch.body, 400, "/api/v1/calls", "POST", /purpose must be one of appointment_reminder, .*marketing, other/);
    const preview = await call("/api/v1/calls/preview", { method: "POST", key, json: { agentId: agent.id, purpose: "fundraising", patients: [{ patientId: patient.patient_id }] } });
    expect(preview.status).toBe(400);
    const badAgent = await call("/api/v1/agents", { method: "POST", key, json: { name: "A", provider: "simulator", purpose: "fundraising" } });
    expectEnvelope(badAgent.body, 400, "/api/v1/agents", "POST");
    const inconsistent = await call("/api/v1/agents", { method: "POST", key, json: { name: "A", provider: "simulator", purpose: "billing", allowedPurposes: ["lab_results"] } });
    expectEnvelope(inconsistent.body, 400, "/api/v1/agents", "POST", /purpose must be one of allowedPurposes/);
    const patch = await call(`/api/v1/agents/${agent.id}`, { method: "PATCH", key, json: { allowedPurposes: ["lab_results"] } });
    expectEnvelope(patch.body, 400, `/api/v1/agents/${agent.id}`, "PATCH", /appointment_reminder is not one of the agent's allowedPurposes/);
  });

  it("an unknown state code on a patient", async () => {
    const { key, patient } = await setup();
    for (const state of ["ZZ", "fl", "Florida", 12]) {
      const created = await call("/api/v1/patients", { method: "POST", key, json: { firstName: "A", lastName: "B", state } });
      expectEnvelope(created.body, 400, "/api/v1/patients", "POST", /state must be a two-letter USPS code in capitals, such as FL/);
    }
    const updated = await call(`/api/v1/patients/${patient.patient_id}`, { method: "PATCH", key, json: { state: "OK" } });
    expect(updated.body).toMatchObject({ state: "OK" });
    expect((await call(`/api/v1/patients/${patient.patient_id}`, { method: "PATCH", key, json: { state: null } })).body.state).toBeNull();
  });

  it("a bad consent record", async () => {
    const { key, patient } = await setup();
    const path = `/api/v1/patients/${patient.patient_id}/consent`;
    for (const [body, message] of [
      [{ ...CONSENT, basis: "verbal" }, /basis must be one of prior_express_consent, prior_express_written_consent/],
      [{ ...CONSENT, scope: [] }, /scope must name calls, texts or both/],
      [{ ...CONSENT, scope: ["calls", "calls"] }, /scope must not repeat an entry/],
      [{ ...CONSENT, scope: ["email"] }, /scope entries must be calls or texts/],
      [{ ...CONSENT, evidence: "" }, /evidence is required/],
      [{ ...CONSENT, givenAt: "yesterday" }, /givenAt must be an ISO 8601 date-time/],
      [{ ...CONSENT, givenAt: new Date(Date.now() + DAY).toISOString() }, /givenAt cannot be in the future/],
      [{ ...CONSENT, extra: 1 }, /extra/],
    ] as const) {
      const res = await call(path, { method: "POST", key, json: body });
      expectEnvelope(res.body, 400, path, "POST", message);
    }
    expect((await call(path, { key })).body.records).toEqual([]);
  });

  it("a contact policy looser than the law", async () => {
    const { key } = await setup();
    for (const [body, message] of [
      [{ caps: { exemptPerDay: 2 } }, /exemptPerDay can be at most 1: caps can be lowered, not raised/],
      [{ caps: { exemptPerWeek: 4 } }, /exemptPerWeek can be at most 3/],
      [{ caps: { sameSubjectPer24h: 0 } }, /sameSubjectPer24h must be at least 1/],
      [{ callingHours: { start: "07:00", end: "20:00" } }, /no earlier than 08:00 \(47 CFR 64\.1200\(c\)\(1\)\)/],
      [{ callingHours: { start: "09:00", end: "22:00" } }, /no later than 21:00/],
      [{ allowedPurposes: [] }, /allowedPurposes must name at least one purpose/],
    ] as const) {
      const res = await call("/api/v1/contact-policy", { method: "PATCH", key, json: body });
      expectEnvelope(res.body, 400, "/api/v1/contact-policy", "PATCH", message);
    }
  });

  it("a do-not-call import with a number that is not one imports nothing", async () => {
    const { key } = await setup();
    const res = await call("/api/v1/do-not-call", { method: "POST", key, json: { numbers: ["+15555550100", "call me maybe", { phoneNumber: "12" }] } });
    expectEnvelope(res.body, 400, "/api/v1/do-not-call", "POST", /numbers\[1, 2\]: not a phone number/);
    expect((await call("/api/v1/do-not-call", { key })).body.pagination.total).toBe(0);
  });
});

describe("the consent ledger", () => {
  it("records grants for the patient's number, withdraws one, revokes and restores by other means", async () => {
    const { key, patient } = await setup();
    const path = `/api/v1/patients/${patient.patient_id}/consent`;
    const given = "2026-01-05T10:00:00.000Z";
    const entry = await recordConsent(key, patient.patient_id, { ...CONSENT, scope: ["texts"], givenAt: given });
    expect(entry).toEqual({
      id: expect.any(String), phoneNumber: patient.phone_number, basis: "prior_express_consent", source: "intake_form", evidence: "form-8812",
      scope: ["texts"], givenAt: given, recordedAt: expect.any(String), withdrawnAt: null, current: true,
    });
    const withdrawn = await call(`${path}/${entry.id}`, { method: "DELETE", key });
    expect(withdrawn.body).toMatchObject({ id: entry.id, withdrawnAt: expect.any(String), current: false });
    expect((await call(`${path}/${crypto.randomUUID()}`, { method: "DELETE", key })).status).toBe(404);

    const revoked = await call(`${path}/revoke`, { method: "POST", key, json: { source: "letter" } });
    expect(revoked.body).toMatchObject({ optedOut: true, onDoNotCallList: false, history: [{ source: "api", keyword: "letter", optedInAt: null }] });
    const again = await call(`${path}/revoke`, { method: "POST", key, json: { source: "spoken" } });
    expect(again.body.history).toHaveLength(1);
    const restored = await call(`${path}/restore`, { method: "POST", key, json: { source: "in_person" } });
    expect(restored.body).toMatchObject({ optedOut: false, history: [{ optInSource: "api:in_person" }] });
    const audit = (await call("/api/v1/audit-events", { key })).body.data.map((e: any) => e.action);
    expect(audit).toEqual(expect.arrayContaining(["consent.recorded", "consent.withdrawn", "consent.revoked", "consent.restored"]));
  });

  it("a patient without a number cannot consent", async () => {
    const { key } = await setup();
    const patient = await createPatient(key, { phoneNumber: null });
    const res = await call(`/api/v1/patients/${patient.patient_id}/consent`, { method: "POST", key, json: CONSENT });
    expect(res.status).toBe(409);
  });
});

describe("the do-not-call list", () => {
  it("imports in bulk (E.164, duplicates once), exports as CSV, removes one, and shows on the patient", async () => {
    const { key, patient } = await setup();
    const numbers = Array.from({ length: 1200 }, () => uniquePhone());
    const imported = await call("/api/v1/do-not-call", {
      method: "POST",
      key,
      json: { numbers: [...numbers, { phoneNumber: "(555) 555-0199", note: "asked at the desk, \"no robots\"" }, numbers[0]] },
    });
    expect(imported.body).toEqual({ added: 1201, alreadyListed: 0, total: 1201 });
    expect((await call("/api/v1/do-not-call", { method: "POST", key, json: { numbers: [numbers[1], patient.phone_number] } })).body).toEqual({ added: 1, alreadyListed: 1, total: 1202 });

    const page = await call("/api/v1/do-not-call?size=2&start=1201", { key });
    expect(page.body.data).toEqual([
      { phoneNumber: "+15555550199", note: 'asked at the desk, "no robots"', source: "import", addedAt: expect.any(String) },
      { phoneNumber: patient.phone_number, note: null, source: "import", addedAt: expect.any(String) },
    ]);
    const csv = await call("/api/v1/do-not-call/export", { key });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = (csv.body as string).trim().split("\n");
    expect(lines[0]).toBe("phone_number,note,source,added_at");
    expect(lines).toHaveLength(1203);
    expect(lines).toContainEqual(expect.stringMatching(/^\+15555550199,"asked at the desk, ""no robots""",import,/));

    expect((await call(`/api/v1/patients/${patient.patient_id}/consent`, { key })).body.onDoNotCallList).toBe(true);
    const removed = await call(`/api/v1/do-not-call/${encodeURIComponent(patient.phone_number)}`, { method: "DELETE", key });
    expect(removed.body).toEqual({ phoneNumber: patient.phone_number, removed: true });
    expect((await call(`/api/v1/do-not-call/${encodeURIComponent(patient.phone_number)}`, { method: "DELETE", key })).status).toBe(404);
    expect((await call(`/api/v1/patients/${patient.patient_id}/consent`, { key })).body.onDoNotCallList).toBe(false);
  });

  it("is the tenant's own: another tenant neither sees nor honors it", async () => {
    const a = await setup();
    const b = await createTenant();
    await call("/api/v1/do-not-call", { method: "POST", key: a.key, json: { numbers: [a.patient.phone_number] } });
    expect((await call("/api/v1/do-not-call", { key: b.apiKey })).body.data).toEqual([]);
    expect((await call(`/api/v1/do-not-call/${encodeURIComponent(a.patient.phone_number)}`, { method: "DELETE", key: b.apiKey })).status).toBe(404);
  });
});

describe("the tenant's contact policy", () => {
  it("lists every rule, with the tenant's tightening, which only tightens", async () => {
    const { key } = await setup();
    const policy = (await call("/api/v1/contact-policy", { key })).body;
    expect(policy).toMatchObject({
      federalHours: { start: "08:00", end: "21:00" },
      deploymentHours: { start: "08:00", end: "21:00" },
      callingHours: null,
      caps: { exemptPerDay: 1, exemptPerWeek: 3, sameSubjectPer24h: null },
      allowedPurposes: null,
      unknownState: { hours: { start: "08:00", end: "20:00" }, sameSubjectPer24h: 3 },
      devWideWindow: true,
    });
    expect(policy.states).toContainEqual({ state: "FL", hours: { start: "08:00", end: "20:00" }, sameSubjectPer24h: 3, citation: expect.stringContaining("501.616") });
    expect(policy.states).toContainEqual(expect.objectContaining({ state: "OK", sameSubjectPer24h: 3 }));
    expect(policy.purposes).toContainEqual({ purpose: "billing", exempt: false, consent: "prior_express_consent" });
    expect(policy.purposes).toContainEqual({ purpose: "marketing", exempt: false, consent: "prior_express_written_consent" });
    expect(policy.reasons.map((r: any) => r.code)).toEqual([
      "opted_out", "number_on_dnc", "no_consent", "purpose_not_allowed", "message_too_long", "no_calling_window",
      "outside_calling_hours", "state_quiet_hours", "state_frequency_cap", "daily_cap", "weekly_cap",
    ]);

    const tightened = await call("/api/v1/contact-policy", { method: "PATCH", key, json: { callingHours: { start: "09:30", end: "17:00" }, caps: { exemptPerWeek: 2 } } });
    expect(tightened.body).toMatchObject({ callingHours: { start: "09:30", end: "17:00" }, caps: { exemptPerDay: 1, exemptPerWeek: 2 } });
    const back = await call("/api/v1/contact-policy", { method: "PATCH", key, json: { callingHours: null, caps: null } });
    expect(back.body).toMatchObject({ callingHours: null, caps: { exemptPerWeek: 3 } });
  });

  it("a tenant's lower weekly cap defers what the law would allow", async () => {
    const { tenant, key, patient, agent } = await setup({ provider: undefined, simulator: undefined, providers: [{ provider: "simulator" }] });
    await seedContacts(tenant.id, patient.patient_id, [{ at: Date.now() - 3 * DAY }, { at: Date.now() - 2 * DAY }]);
    const preview = await call("/api/v1/calls/preview", { method: "POST", key, json: { agentId: agent.id, patients: [{ patientId: patient.patient_id }] } });
    expect(preview.body.calls[0]).toMatchObject({ decision: "allow" });
    await call("/api/v1/contact-policy", { method: "PATCH", key, json: { caps: { exemptPerWeek: 2 } } });
    const after = await call("/api/v1/calls/preview", { method: "POST", key, json: { agentId: agent.id, patients: [{ patientId: patient.patient_id }] } });
    expect(after.body.calls[0]).toMatchObject({ decision: "defer", reason: "weekly_cap" });
  });
});

describe("POST /api/v1/calls/preview", () => {
  it("answers what the batch would do, and stores and dials nothing", async () => {
    const tenant = await createTenant();
    const key = tenant.apiKey;
    await patchTenant(tenant.id, { concurrencyLimit: 2 });
    // On the simulator (10 minutes a call here): the estimate uses the simulator's own duration.
    const agent = await createAgent(key, { purpose: "billing" });
    const night = zoneAt(2);
    const awake = await Promise.all([1, 2, 3].map(() => createPatient(key)));
    const asleep = await createPatient(key, { timezone: night.zone });
    const optedOut = await createPatient(key);
    for (const p of [...awake, asleep, optedOut]) await recordConsent(key, p.patient_id);
    const noConsent = await createPatient(key);
    await call(`/api/v1/patients/${optedOut.patient_id}/consent/revoke`, { method: "POST", key, json: { source: "spoken" } });
    const counts = async () => env.DB.prepare("SELECT (SELECT count(*) FROM calls WHERE tenant_id = ?1) AS calls, (SELECT count(*) FROM campaigns WHERE tenant_id = ?1) AS campaigns").bind(tenant.id).first();

    const patients = [...awake, asleep, optedOut, noConsent].map((p) => ({ patientId: p.patient_id }));
    const res = await call("/api/v1/calls/preview", { method: "POST", key, json: { agentId: agent.id, patients } });
    expect(res.status).toBe(200);
    const body = res.body;
    // The simulator ignores the hours locally (the dev window): the patient where it is night is not deferred.
    expect(body).toMatchObject({
      total: 6,
      purpose: "billing",
      startNow: 2,
      waitingForLine: 2,
      deferred: { total: 0, earliest: null, latest: null },
      refused: { total: 2, byReason: { opted_out: 1, no_consent: 1, number_on_dnc: 0 } },
      estimate: { lines: 2, busyLines: 0, queuedAhead: 0, averageCallSeconds: 600 },
    });
    const at = Date.parse(body.evaluatedAt);
    expect(body.calls.map((c: any) => [c.decision, c.reason, c.dialAt && Date.parse(c.dialAt) - at])).toEqual([
      ["allow", null, 0], ["allow", null, 0], ["allow", null, 600_000], ["allow", null, 600_000], ["refuse", "opted_out", null], ["refuse", "no_consent", null],
    ]);
    expect(Date.parse(body.estimate.finishesAt) - at).toBe(1_200_000);
    expect(await counts()).toEqual({ calls: 0, campaigns: 0 });
    expect((await inspect(tenant.id)).waiting).toEqual([]);
  });

  it("on a real vendor, defers by the hours and estimates the finish inside each patient's window", async () => {
    const tenant = await createTenant();
    const key = tenant.apiKey;
    await call("/api/v1/providers/retell", { method: "PUT", key, json: { apiKey: "key_preview0000000000000000000000", fromNumber: "+14155550100" } });
    const agent = await createAgent(key, { provider: undefined, simulator: undefined, providers: [{ provider: "retell", agent: "agent_x" }] });
    const night = zoneAt(2);
    const asleep = await createPatient(key, { timezone: night.zone });
    const res = await call("/api/v1/calls/preview", { method: "POST", key, json: { agentId: agent.id, patients: [{ patientId: asleep.patient_id }] } });
    const opening = new Date(night.next("08:00")).toISOString();
    expect(res.body).toMatchObject({
      startNow: 0,
      deferred: { total: 1, byReason: { outside_calling_hours: 1 }, earliest: opening, latest: opening },
      estimate: { firstDialAt: opening, averageCallSeconds: 120 },
      calls: [{ decision: "defer", reason: "outside_calling_hours", until: opening, dialAt: opening }],
    });
  });

  it("answers the create request's errors", async () => {
    const { key, agent } = await setup();
    const unknown = await call("/api/v1/calls/preview", { method: "POST", key, json: { agentId: agent.id, patients: [{ patientId: crypto.randomUUID() }] } });
    expect(unknown).toMatchObject({ status: 400, body: { statusCode: 400, message: "Validation failed for one or more patients" } });
    const badId = await call("/api/v1/calls/preview", { method: "POST", key, json: { agentId: agent.id, patients: [{ patientId: "x" }] } });
    expect(badId.body.errors[0].errors[0]).toMatchObject({ field: "patientId", message: "patientId must be a valid UUID" });
    const noAgent = await call("/api/v1/calls/preview", { method: "POST", key, json: { agentId: crypto.randomUUID(), patients: [{ patientId: crypto.randomUUID() }] } });
    expect(noAgent.status).toBe(404);
  });
});

describe("pausing a campaign", () => {
  it("holds its waiting calls in their places, lets live ones finish, and resumes in order; audited and idempotent", async () => {
    const { tenant, key, agent } = await setup();
    await patchTenant(tenant.id, { concurrencyLimit: 1 });
    const patients = await Promise.all([1, 2, 3].map(() => createPatient(key)));
    const batch = (await call("/api/v1/calls", { method: "POST", key, json: { agentId: agent.id, patients: patients.map((p) => ({ patientId: p.patient_id })) } })).body;
    const [live, second, third] = batch.calls.map((c: any) => c.callId);
    const path = `/api/v1/calls/campaigns/${batch.batchId}`;

    const paused = await call(`${path}/pause`, { method: "POST", key });
    expect(paused.body).toEqual({ batchId: batch.batchId, paused: true, changed: true, live: 1, message: "Campaign paused: no new calls will be dialed; 1 live calls left to finish" });
    expect((await call(`${path}/pause`, { method: "POST", key })).body).toMatchObject({ paused: true, changed: false });
    expect((await call(path, { key })).body.campaign).toMatchObject({ paused: true, pausedAt: expect.any(String) });
    const listed = async () => (await call("/api/v1/calls/campaigns", { key })).body.data.find((c: any) => c.id === batch.batchId);
    expect(await listed()).toMatchObject({ paused: true });

    // The live call ends: its line is free, but nothing of the paused campaign takes it.
    expect((await call(`/api/v1/calls/${live}`, { method: "DELETE", key })).status).toBe(200);
    await waitForStatus(key, live, "failed");
    const held = await inspect(tenant.id);
    expect(held.live).toEqual([]);
    expect(held.waiting.map((e) => e.call_id)).toEqual([second, third]);
    expect((await getCall(key, second)).status).toBe("queued");

    const resumed = await call(`${path}/resume`, { method: "POST", key });
    expect(resumed.body).toMatchObject({ paused: false, changed: true });
    expect(await listed()).toMatchObject({ paused: false });
    await waitForStatus(key, second, "initiating");
    expect((await getCall(key, third)).status).toBe("queued");
    expect((await call(`${path}/resume`, { method: "POST", key })).body).toMatchObject({ changed: false });
    const audit = (await call(`/api/v1/audit-events?object_id=${batch.batchId}`, { key })).body.data.map((e: any) => e.action);
    expect(audit).toEqual(expect.arrayContaining(["campaign.paused", "campaign.resumed"]));
  });

  it("a call granted as the pause lands is not dialed: its call object checks the campaign", async () => {
    const { key, patient, agent } = await setup();
    const batch = (await call("/api/v1/calls", { method: "POST", key, json: { agentId: agent.id, patients: [{ patientId: patient.patient_id }], scheduledAt: new Date(Date.now() + 60_000).toISOString() } })).body;
    await env.DB.prepare("UPDATE campaigns SET paused_at = ? WHERE id = ?").bind(Date.now(), batch.batchId).run();
    const { callStub } = await import("../helpers/objects");
    const callId = batch.calls[0].callId;
    await env.DB.prepare("UPDATE calls SET status = 'queued' WHERE id = ?").bind(callId).run();
    expect(await callStub(callId).start(callId, 1)).toBe("queued");
    expect((await getCall(key, callId)).status).toBe("queued");
  });

  it("answers 404 for another tenant's campaign and 409 for a canceled one", async () => {
    const a = await setup();
    const b = await createTenant();
    const batch = (await call("/api/v1/calls", { method: "POST", key: a.key, json: { agentId: a.agent.id, patients: [{ patientId: a.patient.patient_id }] } })).body;
    expect((await call(`/api/v1/calls/campaigns/${batch.batchId}/pause`, { method: "POST", key: b.apiKey })).status).toBe(404);
    await call(`/api/v1/calls/campaigns/${batch.batchId}/cancel`, { method: "POST", key: a.key });
    const res = await call(`/api/v1/calls/campaigns/${batch.batchId}/pause`, { method: "POST", key: a.key });
    expectEnvelope(res.body, 409, `/api/v1/calls/campaigns/${batch.batchId}/pause`, "POST", /canceled/);
  });
});

describe("GET /api/v1/patients/{id}/contacts", () => {
  it("lists every call and text with the policy's decision, and the counters the caps use", async () => {
    const { tenant, key, patient, agent } = await setup();
    const made = Date.now() - 3600_000;
    await seedContacts(tenant.id, patient.patient_id, [{ at: made, channel: "sms" }, { at: Date.now() - 8 * DAY }]);
    const allowed = (await call("/api/v1/calls", { method: "POST", key, json: { agentId: agent.id, patients: [{ patientId: patient.patient_id }] } })).body.calls[0].callId;
    const refused = (await call("/api/v1/calls", { method: "POST", key, json: { agentId: agent.id, purpose: "billing", patients: [{ patientId: patient.patient_id }] } })).body.calls[0].callId;
    const res = await call(`/api/v1/patients/${patient.patient_id}/contacts?size=10`, { key });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      expect.objectContaining({ channel: "call", id: refused, status: "canceled", outcome: "refused", purpose: "billing", policy: { decision: "refuse", reason: "no_consent", reasons: ["no_consent"], until: null }, counted: false }),
      // The simulator reaches no one: decided, not counted. The seeded text is the one counted today.
      expect.objectContaining({ channel: "call", id: allowed, purpose: "appointment_reminder", policy: expect.objectContaining({ decision: "defer", reason: "daily_cap" }), counted: false }),
    ]);
    expect(res.body.counters).toMatchObject({
      exempt: { last24h: 1, perDay: 1, last7d: 1, perWeek: 3 },
      sameSubject: [{ subject: "appointment_reminder", last24h: 1, max: 3 }],
      nextExemptContactAt: new Date(made + DAY).toISOString(),
    });
    expect(res.body.pagination).toMatchObject({ total: 2, returned_count: 2 });
    expect((await countersOf(tenant.id, patient.patient_id))!.recent).toHaveLength(2);
    expect((await call(`/api/v1/patients/${crypto.randomUUID()}/contacts`, { key })).status).toBe(404);
  });
});
