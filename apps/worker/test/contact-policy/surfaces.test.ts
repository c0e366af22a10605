import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeRetell } from "../fakes/retell";
import { comms, postWebhook } from "../helpers/http";
import { createAssistantAgent, RETELL_KEY, VENDOR_CREDENTIALS } from "../helpers/vendors";
import { patchTenant } from "../helpers/tenants";
import { call } from "../helpers/http";
import { createPatient, createTenant, uniquePhone } from "../helpers/tenants";
import { CONSENT, recordConsent, zoneAt } from "../helpers/policy";
import { configureProvider } from "../helpers/vendors";
import { server } from "../network";
import { vocode, voipbin } from "../helpers/http";
import { vocodeCreate, vocodeGet } from "../helpers/calls";

// Every surface places calls through the one core path, so every surface gets the contact policy,
// and says what it decided in its own terms. A refused or deferred call never reaches the vendor.

const retell = fakeRetell(RETELL_KEY, { post: postWebhook });
beforeEach(() => server.use(...retell.handlers));

const dialed = (callId: string) => retell.requests.some((r) => r.url.endsWith("/create-phone-call") && r.body?.metadata?.switchboard_call_id === callId);
const anyDial = () => retell.requests.filter((r) => r.url.endsWith("/create-phone-call")).length;

/** A tenant on Retell whose agent is for `assistantType` (BILLER: billing calls, which need consent). */
async function tenantOnRetell(assistantType = "CALL_REMINDER") {
  const tenant = await createTenant();
  await configureProvider(tenant.apiKey, "retell", VENDOR_CREDENTIALS.retell);
  const agent = await createAssistantAgent(tenant.apiKey, assistantType, ["retell"]);
  return { tenant, tenantId: tenant.id, key: tenant.apiKey, agent };
}

async function callsOf(tenantId: string) {
  return (await env.DB.prepare("SELECT id, status, outcome, policy_reason FROM calls WHERE tenant_id = ?").bind(tenantId).all<any>()).results;
}

describe("/comms/call/ai", () => {
  it("refuses with 409 naming the rule, placing nothing; defers as CREATED, dialing nothing yet", async () => {
    const t = await tenantOnRetell();
    const listed = await createPatient(t.key);
    await call("/api/v1/do-not-call", { method: "POST", key: t.key, json: { numbers: [listed.phone_number] } });
    const before = anyDial();
    const refused = await comms("/comms/call/ai", { key: t.key, tenant: t.tenantId, json: { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: listed.patient_id, provider: "retell" } });
    expect(refused).toMatchObject({ status: 409, body: { detail: expect.stringMatching(/do-not-call list.*\[number_on_dnc\]/) } });
    expect(await callsOf(t.tenantId)).toEqual([]);

    const asleep = await createPatient(t.key, { timezone: zoneAt(2).zone });
    const deferred = await comms("/comms/call/ai", { key: t.key, tenant: t.tenantId, json: { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: asleep.patient_id, provider: "retell" } });
    expect(deferred).toMatchObject({ status: 200, body: { status: "CREATED", retellCallId: null, disconnectionReason: null } });
    expect(dialed(deferred.body.id)).toBe(false);
    expect(anyDial()).toBe(before);
  });

  it("a billing assistant's call needs the patient's consent", async () => {
    const t = await tenantOnRetell("BILLER");
    const patient = await createPatient(t.key);
    const body = { assistantType: "BILLER", reasonForCall: "balance", patientId: patient.patient_id, provider: "retell" };
    expect(await comms("/comms/call/ai", { key: t.key, tenant: t.tenantId, json: body })).toMatchObject({ status: 409, body: { detail: expect.stringMatching(/\[no_consent\]/) } });
    await recordConsent(t.key, patient.patient_id, CONSENT);
    const placed = await comms("/comms/call/ai", { key: t.key, tenant: t.tenantId, json: body });
    expect(placed.status).toBe(200);
    expect(dialed(placed.body.id)).toBe(true);
  });
});

describe("Vocode /v1/calls/create", () => {
  it("a number on the do-not-call list: 400 without detection, `ended` with do_not_call_result true with it; never dialed", async () => {
    const t = await tenantOnRetell();
    const number = uniquePhone();
    await call("/api/v1/do-not-call", { method: "POST", key: t.key, json: { numbers: [number] } });
    const refused = await vocode("/v1/calls/create", t.key, { method: "POST", json: { from_number: "+15550001111", to_number: number, agent: t.agent.id } });
    expect(refused).toMatchObject({ status: 400, body: { detail: "to_number is on the do-not-call list" } });
    // Nothing was left behind: no walk-in contact, no call.
    expect(await env.DB.prepare("SELECT count(*) AS n FROM patients WHERE tenant_id = ?").bind(t.tenantId).first<{ n: number }>()).toEqual({ n: 0 });
    const detected = await vocodeCreate(t.key, { to_number: number, agent: t.agent.id, run_do_not_call_detection: true });
    expect(detected).toMatchObject({ status: "ended", error_message: null, do_not_call_result: true, stage_outcome: "call_did_not_connect" });
    expect(dialed(detected.id)).toBe(false);
  });

  it("other refusals are `error` with an error_message naming the rule; a deferred call is not_started", async () => {
    const t = await tenantOnRetell("BILLER");
    const refused = await vocodeCreate(t.key, { to_number: uniquePhone(), agent: t.agent.id });
    expect(refused).toMatchObject({ status: "error", do_not_call_result: null, error_message: expect.stringMatching(/^Not dialed: refused by the contact policy \(no_consent\): /) });
    expect(dialed(refused.id)).toBe(false);

    // A walk-in has no time zone: the tenant's applies.
    const reminders = await tenantOnRetell();
    await patchTenant(reminders.tenantId, { timezone: zoneAt(2).zone });
    const deferred = await vocodeCreate(reminders.key, { to_number: uniquePhone(), agent: reminders.agent.id });
    expect(deferred).toMatchObject({ status: "not_started", error_message: null, stage: "created", stage_outcome: null });
    expect((await vocodeGet(reminders.key, deferred.id)).status).toBe("not_started");
    expect(dialed(deferred.id)).toBe(false);
  });
});

describe("VoIPbin /v1.0/aicalls", () => {
  const create = (key: string, agentId: string, patientId: string) =>
    voipbin("/v1.0/aicalls", key, { method: "POST", json: { assistance_type: "ai", assistance_id: agentId, reference_type: "call", reference_id: patientId } });

  it("answers a refusal 409 with VoIPbin's reason for the rule, and places nothing", async () => {
    const t = await tenantOnRetell();
    const listed = await createPatient(t.key);
    await call("/api/v1/do-not-call", { method: "POST", key: t.key, json: { numbers: [listed.phone_number] } });
    const revoked = await createPatient(t.key);
    await call(`/api/v1/patients/${revoked.patient_id}/consent/revoke`, { method: "POST", key: t.key, json: { source: "letter" } });
    const billing = await tenantOnRetell("BILLER");
    const patient = await createPatient(billing.key);
    for (const [res, reason] of [
      [await create(t.key, t.agent.id, listed.patient_id), "REFERENCE_ON_DO_NOT_CALL_LIST"],
      [await create(t.key, t.agent.id, revoked.patient_id), "REFERENCE_OPTED_OUT"],
      [await create(billing.key, billing.agent.id, patient.patient_id), "CONSENT_REQUIRED"],
    ] as const) {
      expect(res).toMatchObject({ status: 409, body: { error: { status: "FAILED_PRECONDITION", reason } } });
    }
    expect([...(await callsOf(t.tenantId)), ...(await callsOf(billing.tenantId))]).toEqual([]);
  });

  it("a deferred AI call is `initiating` and not dialed", async () => {
    const t = await tenantOnRetell();
    const asleep = await createPatient(t.key, { timezone: zoneAt(2).zone });
    const res = await create(t.key, t.agent.id, asleep.patient_id);
    expect(res).toMatchObject({ status: 200, body: { status: "initiating" } });
    expect(dialed(res.body.id)).toBe(false);
  });
});
