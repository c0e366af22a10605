import { http, HttpResponse } from "msw";
import { describe, expect, it, vi } from "vitest";
import { errorSummary } from "../../src/lib/log-safe";
import { ADMIN, api, comms, postSigned } from "../helpers/http";
import { createAgent, createPatient, createTenant, daytimeZone } from "../helpers/tenants";
import { configureProvider } from "../helpers/vendors";
import { commsSetup, createStaffUser, sendMessage, useTwilio } from "../helpers/messaging";
import { getEvents, placeCall } from "../helpers/calls";
import { AUTH_TOKEN, fakeTwilioMessages, inboundParams, MESSAGES_URL, twilioError } from "../fakes/twilio";
import { server } from "../network";
import { playCall } from "../helpers/objects";

// Everything the worker writes to the console while it calls, texts, takes a STOP and meets failing
// vendors, checked for the patient's identifiers, what they wrote, and every secret in play.

// Calls through a real vendor (the fake Retell) get the legal calling hours: the patient lives where it is daytime now.
const PATIENT = { firstName: "Zebulon", lastName: "Quixotefield", phoneNumber: "+15557654321", birthDate: "1961-07-23", timezone: daytimeZone() };
const STAFF_EMAIL = "dana.quillfeather@clinic.example";
const MESSAGE = "Zebulon, your biopsy results from Dr Quill are ready";
const INBOUND = "I have a question about my biopsy Quixotefield";
const RETELL_KEY = "key_phi0a1b2c3d4e5f60718293a4b5c6d7e8f9";

/** The patient's number as vendors and drivers write it. */
const PHONE_FORMS = ["+15557654321", "15557654321", "5557654321", "555-765-4321", "(555) 765-4321", "765-4321"];


const logged: string[] = [];
function capture() {
  for (const method of ["log", "error", "warn", "info", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.name}: ${a.message} ${a.stack}` : JSON.stringify(a))).join(" "));
    });
  }
}

describe("PHI and secrets in logs", () => {
  it("never logs the patient's identifiers, message content, or a secret", async () => {
    capture();
    const secrets: string[] = [AUTH_TOKEN, RETELL_KEY, ADMIN.Authorization.replace("Bearer ", "")];

    // A call on the simulator, start to end.
    const sim = await createTenant("PHI sim");
    secrets.push(sim.apiKey);
    const simPatient = await createPatient(sim.apiKey, PATIENT);
    const simAgent = await createAgent(sim.apiKey, { simulator: { durationMs: 150 } });
    await playCall(await placeCall(sim.apiKey, simPatient.patient_id, simAgent.id));

    // A vendor that refuses with the number (and name) in its body, then one that fails outright.
    const vendor = await createTenant("PHI vendor");
    secrets.push(vendor.apiKey);
    await configureProvider(vendor.apiKey, "retell", { apiKey: RETELL_KEY, fromNumber: "+14155550199" });
    const vendorPatient = await createPatient(vendor.apiKey, PATIENT);
    const vendorAgent = await createAgent(vendor.apiKey, { provider: undefined, simulator: undefined, providers: [{ provider: "retell", agent: "agent_phi" }] });
    for (const refusal of [
      () => HttpResponse.json({ error_message: `to_number 5557654321 (Zebulon Quixotefield, born 1961-07-23) is not a valid number` }, { status: 400 }),
      () => HttpResponse.json({ error_message: `upstream failed dialing +15557654321 for key ${RETELL_KEY}` }, { status: 500 }),
      () => HttpResponse.error(),
    ]) {
      server.use(http.post("https://api.retellai.com/v2/create-phone-call", refusal, { once: true }));
      const callId = await placeCall(vendor.apiKey, vendorPatient.patient_id, vendorAgent.id);
      // Placed (and refused) before POST /api/v1/calls answered.
      const events = await getEvents(vendor.apiKey, callId);
      expect(events.some((e) => e.type === "provider.refused"), "the vendor's refusal was taken").toBe(true);
    }

    // Texts through Twilio: one sent, one refused with Twilio's wording about the number, one unreachable.
    const t = await commsSetup(PATIENT);
    secrets.push(t.key);
    await useTwilio(t.key);
    const staff = await createStaffUser(t.key, { email: STAFF_EMAIL });
    fakeTwilioMessages(server);
    // Three texts in a row: with consent on file and a non-exempt purpose, the contact policy's
    // one-a-day cap for health-care texts does not hold the second and third back.
    const consent = { basis: "prior_express_consent", source: "intake_form", evidence: "form-1", scope: ["texts"] };
    expect((await api(`/api/v1/patients/${t.patient.patient_id}/consent`, { method: "POST", key: t.key, json: consent })).status).toBe(201);
    // INTRODUCTORY texts are for `other` purposes: not exempt, so they need the consent recorded above.
    const text = (content: string) => sendMessage(t.key, t.tenantId, { sender_id: staff.id, chat_id: t.chat.id, content, message_type: "INTRODUCTORY" });
    const sent = await text(MESSAGE);
    expect(sent.status).toBe(200);
    server.use(http.post(MESSAGES_URL, () => twilioError(400, 21211, "The 'To' number 5557654321 is not a valid phone number."), { once: true }));
    await text(`${MESSAGE} (again)`);
    server.use(http.post(MESSAGES_URL, () => HttpResponse.error(), { once: true }));
    await text(`${MESSAGE} (third)`);

    // The patient writes back, then texts STOP.
    const inbound = `/webhooks/twilio/${t.tenantId}/inbound`;
    expect((await postSigned(inbound, inboundParams(PATIENT.phoneNumber, INBOUND))).status).toBe(200);
    expect((await postSigned(inbound, inboundParams(PATIENT.phoneNumber, "STOP"))).status).toBe(200);

    // Bad requests that carry PHI in what is wrong with them.
    await api("/api/v1/patients", { method: "POST", key: t.key, headers: { "Content-Type": "application/json" }, body: `{"firstName": "Zebulon", "phoneNumber": "+15557654321", ` });
    await comms("/comms/call/ai", { method: "POST", key: t.key, tenant: t.tenantId, json: { patient_phone: PATIENT.phoneNumber, name: "Zebulon Quixotefield" } });

    const logs = logged.join("\n");
    // The capture works: the failures above were logged, by id.
    expect(logs).toContain("twilio send failed");
    expect(logs).toContain("inbound text");
    for (const value of [...PHONE_FORMS, PATIENT.firstName, PATIENT.lastName, PATIENT.birthDate, "07/23/1961", STAFF_EMAIL, MESSAGE, "biopsy", ...secrets]) {
      expect(logs, `logged: ${value}`).not.toContain(value);
    }
  });
});

describe("errorSummary", () => {
  it("keeps the error's name and masks what its message quotes: text, numbers, emails, keys", () => {
    let parseError: unknown;
    try {
      JSON.parse('{"firstName": "Zebulon Quixotefield", ');
    } catch (error) {
      parseError = error;
    }
    const summary = errorSummary(parseError);
    expect(summary).toMatch(/^SyntaxError: /);
    expect(summary).not.toContain("Zebulon");
    const vendor = errorSummary(new Error(`to_number 555-765-4321 for dana.quillfeather@clinic.example refused, key ${RETELL_KEY}, born 1961-07-23`));
    for (const value of ["555-765-4321", "7654321", "dana.quillfeather", RETELL_KEY, "1961-07-23"]) expect(vendor).not.toContain(value);
    expect(vendor).toContain("refused");
    expect(errorSummary({ phone: PATIENT.phoneNumber })).toBe("non-Error thrown");
  });
});
