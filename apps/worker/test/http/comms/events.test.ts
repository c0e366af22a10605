import { Webhook } from "standardwebhooks";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { WEBHOOK_EVENT_DATA, type WebhookEventType } from "@switchboard/schemas";
import { fakeLiveKit } from "../../fakes/livekit";
import { api, call, comms, postSigned, statusCallbackPath } from "../../helpers/http";
import { createPatient } from "../../helpers/tenants";
import { configureProvider, createAssistantAgent, LIVEKIT, VENDOR_CREDENTIALS } from "../../helpers/vendors";
import { commsSetup, createStaffUser, sendMessage, setMessaging, useTwilio } from "../../helpers/messaging";
import { deliveriesOf, deliverNow, quiesceEndpoints, registerEndpoint } from "../../helpers/webhooks";
import { poll } from "../../helpers/wait";
import { AUTH_TOKEN, fakeTwilioMessages, inboundParams, statusParams } from "../../fakes/twilio";
import { customerEndpoints } from "../../fakes/customer-endpoints";
import { serveForFile, server } from "../../network";

// One network for the file: the customers' webhook endpoints, plus the fake Twilio and LiveKit
// handlers tests add (MSW, unhandled requests are errors).
const customers = customerEndpoints();
const livekit = fakeLiveKit(LIVEKIT.apiKey, LIVEKIT.apiSecret, LIVEKIT.base);
serveForFile(...customers.handlers);
beforeEach(() => server.use(...livekit.handlers));
afterAll(async () => {
  await quiesceEndpoints();
});

/** The events these tests receive: each has an object schema. */
type TestedEvent = Exclude<WebhookEventType, "campaign.completed">;

/** An endpoint of the tenant's for `events`; returns what it received, verified as standardwebhooks does. */
async function subscribe(key: string, events: TestedEvent[]) {
  const target = customers.endpoint();
  const endpoint = await registerEndpoint(key, { url: target.url, events });
  const verifier = new Webhook(endpoint.secret);
  const received = () =>
    customers.to(target.name).map((r) => {
      const payload = verifier.verify(r.body, r.headers) as { type: TestedEvent; timestamp: string; data: Record<string, unknown> };
      // Exactly what /openapi.json documents under `webhooks`, nothing more.
      expect(WEBHOOK_EVENT_DATA[payload.type].strict().parse(payload.data)).toEqual(payload.data);
      return { ...payload, id: r.headers["webhook-id"], raw: r.body };
    });
  return {
    endpoint,
    received,
    /** Delivers what is due (the sender's alarm): `count` events, every delivery succeeded. */
    async settle(count: number) {
      const rows = await deliverNow(endpoint.id);
      expect(rows.every((d) => d.status === "succeeded")).toBe(true);
      const events = received();
      expect(events).toHaveLength(count);
      return events;
    },
  };
}

describe("message.status_changed", () => {
  it("announces each status a text takes, once, with ids and no text or number", async () => {
    const t = await commsSetup();
    await setMessaging(t.key, { provider: "simulator", simulator: { outcome: "delivered", stepMs: 20 } });
    const hook = await subscribe(t.key, ["message.status_changed"]);
    const sent = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, message_uid: "reminder-7", content: "Your visit is Tuesday" });
    expect(sent.status).toBe(200);
    // The SMS simulator reports each step on a timer, kept alive by the request's waitUntil: waited for.
    await poll(() => call(`/api/v1/chats/${t.chat.id}/messages`, { key: t.key }), (r) => r.body.data[0]?.status === "DELIVERED");

    const events = await hook.settle(4);
    expect(events.map((e) => e.data.status)).toEqual(["QUEUED", "SENDING", "SENT", "DELIVERED"]);
    for (const e of events) {
      expect(e.type).toBe("message.status_changed");
      expect(e.data).toEqual({ message_id: sent.body.id, chat_id: t.chat.id, message_uid: "reminder-7", status: e.data.status, error_message: null, changed_at: expect.any(String) });
      expect(e.raw).not.toContain("Tuesday");
      expect(e.raw).not.toContain(t.patient.phone_number);
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(4);

    // A repeat of the same message_uid sends nothing and announces nothing.
    const again = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, message_uid: "reminder-7", content: "Your visit is Tuesday" });
    expect(again.body.id).toBe(sent.body.id);
    expect(await deliveriesOf(hook.endpoint.id)).toHaveLength(4);
  });

  it("announces Twilio's accepted status changes only: late and repeated callbacks are not news", async () => {
    const t = await commsSetup();
    await useTwilio(t.key);
    fakeTwilioMessages(server);
    const hook = await subscribe(t.key, ["message.status_changed"]);
    const sent = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hello" });
    expect(sent.body.status).toBe("QUEUED");
    const sid = sent.body.sendoMessageId;
    const path = statusCallbackPath(t.tenantId, sent.body.id);
    for (const status of ["sent", "delivered", "sent", "delivered", "queued"]) {
      expect((await postSigned(path, statusParams(sid, status))).status).toBe(204);
    }
    const events = await hook.settle(3);
    expect(events.map((e) => e.data.status)).toEqual(["QUEUED", "SENT", "DELIVERED"]);
    expect(await deliveriesOf(hook.endpoint.id)).toHaveLength(3);
  });

  it("announces a failure with Twilio's error, and a text kept back for an opted-out patient", async () => {
    const t = await commsSetup();
    await useTwilio(t.key);
    fakeTwilioMessages(server);
    const hook = await subscribe(t.key, ["message.status_changed"]);
    const failing = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "One" });
    await postSigned(statusCallbackPath(t.tenantId, failing.body.id), statusParams(failing.body.sendoMessageId, "undelivered", { ErrorCode: "30003" }));
    await postSigned(`/webhooks/twilio/${t.tenantId}/inbound`, inboundParams(t.patient.phone_number, "STOP"));
    const kept = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Two" });
    expect(kept.body.status).toBe("OPTED_OUT");
    const events = await hook.settle(3);
    expect(events.map((e) => [e.data.message_id, e.data.status])).toEqual([
      [failing.body.id, "QUEUED"],
      [failing.body.id, "UNDELIVERED"],
      [kept.body.id, "OPTED_OUT"],
    ]);
    expect(events[1]!.data.error_message).toBe("Twilio error 30003 (see https://www.twilio.com/docs/errors/30003)");
    expect(events[2]!.data.error_message).toMatch(/opted out/);
  });
});

describe("message.received and patient.opted_out", () => {
  it("announces a patient's texts, and STOP for each patient on the number, without the number", async () => {
    const t = await commsSetup();
    await useTwilio(t.key);
    // A family member on the same phone.
    const sibling = await createPatient(t.key, { firstName: "Sam", phoneNumber: t.patient.phone_number });
    const unrelated = await createPatient(t.key);
    const hook = await subscribe(t.key, ["message.received", "patient.opted_out"]);
    const inbound = `/webhooks/twilio/${t.tenantId}/inbound`;

    expect((await postSigned(inbound, inboundParams(t.patient.phone_number, "Running 5 min late"))).status).toBe(200);
    const stop = inboundParams(t.patient.phone_number, "STOP");
    expect((await postSigned(inbound, stop)).status).toBe(200);
    // Twilio retries a webhook: nothing is announced twice.
    expect((await postSigned(inbound, stop)).status).toBe(200);
    // Already opted out: the text is news, the opt-out is not.
    await postSigned(inbound, inboundParams(t.patient.phone_number, "stop"));

    const events = await hook.settle(5);
    const received = events.filter((e) => e.type === "message.received");
    const messages = (await call(`/api/v1/chats/${received[0]!.data.chat_id}/messages`, { key: t.key })).body.data;
    expect(received.map((e) => e.data.content)).toEqual(["Running 5 min late", "STOP", "stop"]);
    // Texts from a shared number go to one of its patients' chats (messages/inbound.ts decides which).
    const texter = received[0]!.data.patient_id;
    expect([t.patient.patient_id, sibling.patient_id]).toContain(texter);
    expect(received[0]!.data).toEqual({
      message_id: messages.find((m: any) => m.content === "Running 5 min late").id,
      chat_id: expect.any(String),
      patient_id: texter,
      content: "Running 5 min late",
      attachments: 0,
      received_at: expect.any(String),
    });
    const optedOut = events.filter((e) => e.type === "patient.opted_out");
    expect(optedOut.map((e) => e.data.patient_id).sort()).toEqual([t.patient.patient_id, sibling.patient_id].sort());
    for (const e of optedOut) {
      expect(e.data).toEqual({ patient_id: e.data.patient_id, source: "sms_keyword", keyword: "STOP", opted_out_at: expect.any(String) });
      expect(e.raw).not.toContain(t.patient.phone_number);
    }
    expect(optedOut.some((e) => e.data.patient_id === unrelated.patient_id)).toBe(false);
    expect(await deliveriesOf(hook.endpoint.id)).toHaveLength(5);

    // START, then STOP again: a new opt-out, announced again.
    await postSigned(inbound, inboundParams(t.patient.phone_number, "START"));
    await postSigned(inbound, inboundParams(t.patient.phone_number, "QUIT"));
    const after = await hook.settle(9);
    expect(after.filter((e) => e.type === "patient.opted_out").map((e) => e.data.keyword)).toEqual(["STOP", "STOP", "QUIT", "QUIT"]);
  });

  it("announces Twilio's word that a number is unsubscribed (21610) as an opt-out", async () => {
    const t = await commsSetup();
    await useTwilio(t.key);
    fakeTwilioMessages(server);
    const hook = await subscribe(t.key, ["patient.opted_out"]);
    const sent = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hi" });
    await postSigned(statusCallbackPath(t.tenantId, sent.body.id), statusParams(sent.body.sendoMessageId, "failed", { ErrorCode: "21610" }));
    const [event] = await hook.settle(1);
    expect(event!.data).toEqual({ patient_id: t.patient.patient_id, source: "provider_21610", keyword: null, opted_out_at: expect.any(String) });
    expect((await call(`/api/v1/patients/${t.patient.patient_id}/consent`, { key: t.key })).body.optedOut).toBe(true);
  });

  it("a STOP from a number no patient has is recorded, and announces nothing", async () => {
    const t = await commsSetup();
    await useTwilio(t.key);
    const hook = await subscribe(t.key, ["patient.opted_out", "message.received"]);
    expect((await postSigned(`/webhooks/twilio/${t.tenantId}/inbound`, inboundParams("+15555550999", "STOP"))).status).toBe(200);
    // Then something that is announced, to know the STOP had its chance.
    await postSigned(`/webhooks/twilio/${t.tenantId}/inbound`, inboundParams(t.patient.phone_number, "ok"));
    const events = await hook.settle(1);
    expect(events.map((e) => e.type)).toEqual(["message.received"]);
  });
});

describe("a /comms AI call", () => {
  it("is announced (call.created) and audited like POST /api/v1/calls' calls", async () => {
    const t = await commsSetup();
    await configureProvider(t.key, "livekit", VENDOR_CREDENTIALS.livekit);
    const agent = await createAssistantAgent(t.key, "CALL_REMINDER");
    const hook = await subscribe(t.key, ["call.created"]);
    const placed = await comms("/comms/call/ai", { key: t.key, tenant: t.tenantId, json: { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: t.patient.patient_id } });
    expect(placed.status).toBe(200);
    const [created] = await hook.settle(1);
    expect(created!.data).toEqual({ call_id: placed.body.id, batch_id: expect.any(String), agent_id: agent.id, patient_id: t.patient.patient_id, status: "queued", scheduled_at: null });
    const audit = (await call(`/api/v1/audit-events?action=call.created`, { key: t.key })).body.data;
    expect(audit).toEqual([expect.objectContaining({ object_id: placed.body.id, detail: { batchId: created!.data.batch_id }, actor: { type: "api_key", api_key_id: t.tenant.apiKeyId } })]);
  });
});

describe("audit trail", () => {
  async function trail(key: string) {
    const res = await call("/api/v1/audit-events?size=500", { key });
    expect(res.status).toBe(200);
    return res.body.data.reverse() as any[];
  }

  it("records provider credentials, messaging settings, staff users and message sends, with no secrets or PHI", async () => {
    const t = await commsSetup();
    const before = (await trail(t.key)).length;
    await configureProvider(t.key, "retell", VENDOR_CREDENTIALS.retell);
    await configureProvider(t.key, "retell", { apiKey: "key_replacement_000000000000", apiSecret: "key_webhooks_11111111111111", fromNumber: "+14155550123" });
    expect((await api("/api/v1/providers/retell", { method: "DELETE", key: t.key })).status).toBe(200);
    // Nothing to delete: nothing recorded.
    expect((await api("/api/v1/providers/retell", { method: "DELETE", key: t.key })).status).toBe(404);
    await useTwilio(t.key);
    await setMessaging(t.key, { provider: "simulator", simulator: { outcome: "delivered", stepMs: 10 } });
    const user = await createStaffUser(t.key, { firstName: "Rita", email: "rita@clinic.example" });
    await api(`/api/v1/users/${user.id}`, { method: "PATCH", key: t.key, json: { lastName: "Moreno", phoneNumber: "+15555550177" } });
    await api(`/api/v1/users/${user.id}`, { method: "DELETE", key: t.key });
    const sent = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, message_uid: "m-1", content: "Bring your insurance card" });
    // The same message_uid again sends nothing new: nothing recorded.
    await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, message_uid: "m-1", content: "Bring your insurance card" });

    const entries = (await trail(t.key)).slice(before);
    expect(entries.map((e) => `${e.action} ${e.object_type} ${e.object_id}`)).toEqual([
      "provider_credentials.updated provider_credentials retell",
      "provider_credentials.updated provider_credentials retell",
      "provider_credentials.deleted provider_credentials retell",
      `messaging_settings.updated messaging_settings ${t.tenantId}`,
      `messaging_settings.updated messaging_settings ${t.tenantId}`,
      `user.created user ${user.id}`,
      `user.updated user ${user.id}`,
      `user.deleted user ${user.id}`,
      `message.sent message ${sent.body.id}`,
    ]);
    for (const e of entries) expect(e.actor).toEqual({ type: "api_key", api_key_id: t.tenant.apiKeyId });
    expect(entries.map((e) => e.detail)).toEqual([
      { fields: ["apiKey", "fromNumber"] },
      { fields: ["apiKey", "apiSecret", "fromNumber"] },
      null,
      { provider: "twilio", fields: ["provider", "twilio", "twilio.accountSid", "twilio.authToken", "twilio.messagingServiceSid"] },
      { provider: "simulator", fields: ["provider", "simulator"] },
      null,
      { fields: ["lastName", "phoneNumber"] },
      null,
      // Recorded in the batch that stores the message, before the hand-off to the provider.
      { chatId: t.chat.id, senderId: t.user.id, status: "CREATED" },
    ]);
    const text = JSON.stringify(entries);
    for (const secret of [VENDOR_CREDENTIALS.retell.apiKey, "key_replacement", "key_webhooks", AUTH_TOKEN]) expect(text).not.toContain(secret);
    for (const phi of ["Rita", "rita@clinic", "Moreno", "+15555550177", "insurance", t.patient.phone_number]) expect(text).not.toContain(phi);
    // Filterable like every other entry.
    const sends = (await call(`/api/v1/audit-events?action=message.sent`, { key: t.key })).body.data;
    expect(sends.map((e: any) => e.object_id)).toEqual([sent.body.id]);
  });

  it("records an opted-out patient's kept-back text as sent by the staff member, with the status it was stored with", async () => {
    const t = await commsSetup();
    await useTwilio(t.key);
    await postSigned(`/webhooks/twilio/${t.tenantId}/inbound`, inboundParams(t.patient.phone_number, "STOP"));
    const kept = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "x" });
    const entry = (await call(`/api/v1/audit-events?object_id=${kept.body.id}`, { key: t.key })).body.data;
    // Stored CREATED; the contact policy then keeps it back before any hand-off (OPTED_OUT).
    expect(kept.body.status).toBe("OPTED_OUT");
    expect(entry).toEqual([expect.objectContaining({ action: "message.sent", detail: { chatId: t.chat.id, senderId: t.user.id, status: "CREATED" } })]);
  });
});
