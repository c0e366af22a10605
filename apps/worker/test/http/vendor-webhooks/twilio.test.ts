import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { twilioSignature, verifyTwilioSignature } from "../../../src/sms/twilio-signature";
import { BASE, call, comms, postSigned, statusCallbackPath } from "../../helpers/http";
import { createPatient, createTenant } from "../../helpers/tenants";
import { configureProvider, createAssistantAgent, LIVEKIT, VENDOR_CREDENTIALS } from "../../helpers/vendors";
import { chatFor, commsSetup, listMessages, PNG, sendMessage, setMessaging, twilioSetup, useTwilio } from "../../helpers/messaging";
import { ACCOUNT_SID, AUTH_TOKEN, fakeTwilioMessages, inboundParams, SERVICE_SID, statusParams } from "../../fakes/twilio";
import { server } from "../../network";
import { fakeLiveKit } from "../../fakes/livekit";

async function messageStatus(key: string, chatId: string, id: string) {
  const page = await listMessages(key, chatId, "?size=500");
  return page.data.find((m: any) => m.id === id);
}

describe("status callbacks", () => {
  async function sentMessage() {
    const t = await twilioSetup();
    const sent = fakeTwilioMessages(server);
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hi" });
    expect(sent).toHaveLength(1);
    return { ...t, message: res.body, sid: res.body.sendoMessageId as string, path: statusCallbackPath(t.tenantId, res.body.id) };
  }

  it("moves QUEUED -> SENDING -> SENT -> DELIVERED from signed callbacks", async () => {
    const m = await sentMessage();
    for (const [twilioStatus, ours] of [["queued", "QUEUED"], ["sending", "SENDING"], ["sent", "SENT"], ["delivered", "DELIVERED"]] as const) {
      const res = await postSigned(m.path, statusParams(m.sid, twilioStatus));
      expect(res.status, twilioStatus).toBe(204);
      expect((await messageStatus(m.key, m.chat.id, m.message.id)).status).toBe(ours);
    }
  });

  it("never moves backwards when callbacks arrive late, twice or out of order", async () => {
    const m = await sentMessage();
    for (const [twilioStatus, expected] of [
      ["delivered", "DELIVERED"],
      ["sent", "DELIVERED"],
      ["sending", "DELIVERED"],
      ["queued", "DELIVERED"],
      ["delivered", "DELIVERED"],
      ["undelivered", "DELIVERED"],
      ["read", "READ"],
      ["delivered", "READ"],
    ] as const) {
      expect((await postSigned(m.path, statusParams(m.sid, twilioStatus))).status).toBe(204);
      expect((await messageStatus(m.key, m.chat.id, m.message.id)).status, `after ${twilioStatus}`).toBe(expected);
    }
  });

  it("concurrent callbacks settle on the furthest status", async () => {
    const m = await sentMessage();
    await Promise.all(["delivered", "sending", "sent", "queued", "sent", "delivered"].map((s) => postSigned(m.path, statusParams(m.sid, s))));
    expect((await messageStatus(m.key, m.chat.id, m.message.id)).status).toBe("DELIVERED");
  });

  it("maps every Twilio status, with error codes", async () => {
    const cases: [string, Record<string, string>, string, RegExp | null][] = [
      ["accepted", {}, "QUEUED", null],
      ["scheduled", {}, "SCHEDULED", null],
      ["sending", {}, "SENDING", null],
      ["sent", {}, "SENT", null],
      ["delivered", {}, "DELIVERED", null],
      ["read", {}, "READ", null],
      ["undelivered", { ErrorCode: "30003" }, "UNDELIVERED", /Twilio error 30003/],
      ["failed", { ErrorCode: "30008" }, "FAILED", /Twilio error 30008/],
      ["failed", { ErrorCode: "30036" }, "EXPIRED", /30036/],
      ["canceled", {}, "FAILED", null],
    ];
    for (const [twilioStatus, extra, ours, error] of cases) {
      const m = await sentMessage();
      expect((await postSigned(m.path, statusParams(m.sid, twilioStatus, extra))).status).toBe(204);
      const message = await messageStatus(m.key, m.chat.id, m.message.id);
      expect(message.status, twilioStatus).toBe(ours);
      if (error) expect(message.errorMessage).toMatch(error);
      else expect(message.errorMessage).toBeNull();
    }
  });

  it("rejects callbacks that Twilio did not sign (403) and changes nothing", async () => {
    const m = await sentMessage();
    const params = statusParams(m.sid, "delivered");
    const attempts = [
      await postSigned(m.path, params, { token: "0".repeat(32) }),
      await postSigned(m.path, params, { signature: "" }),
      await postSigned(m.path, params, { signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${BASE}${m.path}`, { ...params, MessageStatus: "sent" }) }),
      await postSigned(m.path, params, { url: `${BASE}${statusCallbackPath(m.tenantId, crypto.randomUUID())}` }),
      await postSigned(m.path, { ...params, AccountSid: `AC${"d4".repeat(16)}` }),
    ];
    for (const res of attempts) expect(res.status).toBe(403);
    expect((await messageStatus(m.key, m.chat.id, m.message.id)).status).toBe("QUEUED");
    // another tenant's token does not sign for this tenant
    const other = await commsSetup();
    await setMessaging(other.key, { provider: "twilio", twilio: { accountSid: ACCOUNT_SID, authToken: "f".repeat(32), messagingServiceSid: SERVICE_SID } });
    expect((await postSigned(m.path, params, { token: "f".repeat(32) })).status).toBe(403);
    // a tenant without Twilio has no webhooks
    const plain = await commsSetup();
    expect((await postSigned(statusCallbackPath(plain.tenantId, m.message.id), params)).status).toBe(403);
    // correctly signed for the right tenant, but the message is another's: not found
    expect((await postSigned(statusCallbackPath(m.tenantId, crypto.randomUUID()), params)).status).toBe(404);
  });

  it("accepts the signature Twilio made for the URL with or without the default port", async () => {
    const m = await sentMessage();
    const params = statusParams(m.sid, "sent");
    const withPort = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `https://switchboard.test:443${m.path}`, params);
    expect((await postSigned(m.path, params, { signature: withPort })).status).toBe(204);
    expect((await messageStatus(m.key, m.chat.id, m.message.id)).status).toBe("SENT");
  });
});

describe("X-Twilio-Signature", () => {
  it("matches Twilio's own implementation (twilio npm), repeated and unicode fields included", async () => {
    const url = "https://switchboard.test/webhooks/twilio/t/inbound?x=1&y=a%20b";
    const cases: Record<string, string | string[]>[] = [
      {},
      { Body: "Hello", From: "+15555551234", To: "+15555550100" },
      { Body: "Olá — 你好 🎉", NumMedia: "0", a: "", Z: "z" },
      { MediaUrl: ["https://b.example/2", "https://a.example/1"], Body: "two", B: "x" },
    ];
    for (const params of cases) {
      const entries = Object.entries(params).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : [[k, v] as [string, string]]));
      const ours = await twilioSignature(AUTH_TOKEN, url, entries);
      expect(ours, JSON.stringify(params)).toBe(twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params));
      expect(twilio.validateRequest(AUTH_TOKEN, ours, url, params)).toBe(true);
      expect(await verifyTwilioSignature(AUTH_TOKEN, ours, [url], entries)).toBe(true);
      expect(await verifyTwilioSignature("x".repeat(32), ours, [url], entries)).toBe(false);
    }
  });
});

describe("inbound texts", () => {
  const inbound = (tenantId: string) => `/webhooks/twilio/${tenantId}/inbound`;

  it("stores the patient's reply in their chat, once per MessageSid, and answers empty TwiML", async () => {
    const t = await twilioSetup();
    const params = inboundParams(t.patient.phone_number, "Yes, I'll be there!");
    const res = await postSigned(inbound(t.tenantId), params);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/xml/);
    expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect((await postSigned(inbound(t.tenantId), params)).status).toBe(200); // Twilio's retry
    const page = await listMessages(t.key, t.chat.id);
    expect(page.pagination.total).toBe(1);
    expect(page.data[0]).toEqual({
      id: expect.any(String),
      chatId: t.chat.id,
      status: "DELIVERED",
      sender: { id: t.patient.patient_id, type: "PATIENT", firstName: "Jane", lastName: "Doe", phoneNumber: t.patient.phone_number, email: null, locationId: null },
      createdDate: expect.any(String),
      messageUid: null,
      content: "Yes, I'll be there!",
      errorMessage: null,
      sendoMessageId: params.MessageSid,
      functionCall: {},
      files: [],
      suggestedMessages: [],
      toolCalls: [],
      eventId: null,
      type: null,
    });
  });

  it("creates the chat if the patient never had one, and ignores numbers no patient has", async () => {
    const tenant = await createTenant();
    await useTwilio(tenant.apiKey);
    const patient = await createPatient(tenant.apiKey);
    expect((await postSigned(inbound(tenant.id), inboundParams(patient.phone_number, "Hello?"))).status).toBe(200);
    const chat = await chatFor(tenant.apiKey, patient.patient_id);
    expect((await listMessages(tenant.apiKey, chat.id)).data[0].content).toBe("Hello?");
    expect((await postSigned(inbound(tenant.id), inboundParams("+15555559999", "wrong number"))).status).toBe(200);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE tenant_id = ?").bind(tenant.id).first<{ n: number }>();
    expect(stored?.n).toBe(1);
  });

  it("routes a reply from a shared number to the chat that texted it last", async () => {
    const t = await twilioSetup();
    const sibling = await createPatient(t.key, { firstName: "Sam", phoneNumber: t.patient.phone_number });
    const siblingChat = await chatFor(t.key, sibling.patient_id);
    fakeTwilioMessages(server);
    await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "For Jane" });
    await new Promise((r) => setTimeout(r, 5));
    await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: siblingChat.id, content: "For Sam" });
    await postSigned(inbound(t.tenantId), inboundParams(t.patient.phone_number, "Sam here, thanks"));
    expect((await listMessages(t.key, siblingChat.id)).data[0].content).toBe("Sam here, thanks");
    expect((await listMessages(t.key, t.chat.id)).data[0].content).toBe("For Jane");
  });

  it("keeps MMS media from Twilio behind our own signed links, and never fetches other hosts", async () => {
    const t = await twilioSetup();
    const mediaUrl = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME1`;
    let auth: string | null = null;
    server.use(
      http.get(mediaUrl, ({ request }) => {
        auth = request.headers.get("Authorization");
        return new HttpResponse(PNG, { headers: { "Content-Type": "image/png" } });
      }),
    );
    const params = inboundParams(t.patient.phone_number, "photo of my rash", {
      NumMedia: "2",
      MediaUrl0: mediaUrl,
      MediaContentType0: "image/png",
      MediaUrl1: "https://attacker.example/internal",
      MediaContentType1: "image/png",
    });
    expect((await postSigned(inbound(t.tenantId), params)).status).toBe(200);
    expect(auth).toBe(`Basic ${btoa(`${ACCOUNT_SID}:${AUTH_TOKEN}`)}`);
    const message = (await listMessages(t.key, t.chat.id)).data[0];
    expect(message.files).toHaveLength(1);
    expect(message.errorMessage).toBe("1 attachment(s) could not be kept (unsupported type, too large or unreachable)");
    const file = await SELF.fetch(message.files[0]);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG);
  });

  it("refuses unsigned inbound webhooks and stores nothing", async () => {
    const t = await twilioSetup();
    const params = inboundParams(t.patient.phone_number, "STOP");
    expect((await postSigned(inbound(t.tenantId), params, { token: "e".repeat(32) })).status).toBe(403);
    expect((await postSigned(inbound(t.tenantId), params, { signature: "bm90IGEgc2lnbmF0dXJl" })).status).toBe(403);
    expect((await postSigned(inbound(crypto.randomUUID()), params)).status).toBe(403);
    expect((await listMessages(t.key, t.chat.id)).pagination.total).toBe(0);
    expect((await call(`/api/v1/patients/${t.patient.patient_id}/consent`, { key: t.key })).body.optedOut).toBe(false);
  });
});

describe("STOP and START", () => {
  const inbound = (tenantId: string) => `/webhooks/twilio/${tenantId}/inbound`;

  it("STOP opts the patient out of texts and calls until START; the consent record keeps both", async () => {
    const t = await twilioSetup();
    const sent = fakeTwilioMessages(server);
    // AI calls go to the tenant's LiveKit (the fake one).
    server.use(...fakeLiveKit(LIVEKIT.apiKey, LIVEKIT.apiSecret, LIVEKIT.base).handlers);
    await configureProvider(t.key, "livekit", VENDOR_CREDENTIALS.livekit);
    await createAssistantAgent(t.key, "CALL_REMINDER", ["livekit"]);
    const simulatorAgent = (await call("/api/v1/agents", { method: "POST", key: t.key, json: { name: "A", provider: "simulator", simulator: { durationMs: 600_000 } } })).body;

    expect((await postSigned(inbound(t.tenantId), inboundParams(t.patient.phone_number, "  Stop "))).status).toBe(200);
    const consent = await call(`/api/v1/patients/${t.patient.patient_id}/consent`, { key: t.key });
    expect(consent.body).toEqual({
      patientId: t.patient.patient_id,
      phoneNumber: t.patient.phone_number,
      optedOut: true,
      history: [{ phoneNumber: t.patient.phone_number, optedOutAt: expect.any(String), source: "sms_keyword", keyword: "STOP", optedInAt: null, optInSource: null }],
      records: [],
      onDoNotCallList: false,
    });
    expect((await chatFor(t.key, t.patient.patient_id)).optedOutOfSms).toBe(true);

    // texts: stored as OPTED_OUT, nothing reaches Twilio
    const blocked = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Reminder" });
    expect(blocked.body.status).toBe("OPTED_OUT");
    expect(sent).toHaveLength(0);
    // calls: refused on /comms and on /api/v1/calls
    const aiCall = await comms("/comms/call/ai", { key: t.key, tenant: t.tenantId, json: { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: t.patient.patient_id } });
    expect(aiCall.status).toBe(409);
    // /api/v1/calls records the refusal (it was a 400): the call ends canceled, outcome refused, and is never dialed.
    const apiCall = await call("/api/v1/calls", { method: "POST", key: t.key, json: { patients: [{ patientId: t.patient.patient_id }], agentId: simulatorAgent.id } });
    expect(apiCall.status).toBe(201);
    expect(apiCall.body).toMatchObject({ totalRefused: 1, totalInitiated: 0, calls: [{ status: "canceled" }] });
    expect((await call(`/api/v1/calls/${apiCall.body.calls[0].callId}`, { key: t.key })).body).toMatchObject({
      outcome: "refused",
      policy: { decision: "refuse", reason: "opted_out" },
    });

    expect((await postSigned(inbound(t.tenantId), inboundParams(t.patient.phone_number, "START"))).status).toBe(200);
    const after = await call(`/api/v1/patients/${t.patient.patient_id}/consent`, { key: t.key });
    expect(after.body.optedOut).toBe(false);
    expect(after.body.history).toEqual([
      { phoneNumber: t.patient.phone_number, optedOutAt: expect.any(String), source: "sms_keyword", keyword: "STOP", optedInAt: expect.any(String), optInSource: "sms_keyword:START" },
    ]);
    const resumed = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Welcome back" });
    expect(resumed.body.status).toBe("QUEUED");
    expect(sent).toHaveLength(1);
    const aiAgain = await comms("/comms/call/ai", { key: t.key, tenant: t.tenantId, json: { assistantType: "CALL_REMINDER", reasonForCall: "r", patientId: t.patient.patient_id } });
    expect(aiAgain.status).toBe(200);
    expect(aiAgain.body).toMatchObject({ status: "CREATED", context: { provider: "livekit" } });
    // the keyword texts are in the chat too
    const contents = (await listMessages(t.key, t.chat.id)).data.map((m: any) => m.content);
    expect(contents).toEqual(["Welcome back", "START", "Reminder", "  Stop "]);
  });

  it("knows Twilio's opt-out and opt-in words, whole-message only, and Advanced Opt-Out's OptOutType", async () => {
    for (const word of ["STOP", "stopall", "UNSUBSCRIBE", "cancel", "END", "quit", "REVOKE", "OPTOUT"]) {
      const t = await twilioSetup();
      await postSigned(`/webhooks/twilio/${t.tenantId}/inbound`, inboundParams(t.patient.phone_number, word));
      expect((await call(`/api/v1/patients/${t.patient.patient_id}/consent`, { key: t.key })).body.optedOut, word).toBe(true);
      const optInWord = { STOP: "START", stopall: "yes", UNSUBSCRIBE: "UNSTOP" }[word] ?? "START";
      await postSigned(`/webhooks/twilio/${t.tenantId}/inbound`, inboundParams(t.patient.phone_number, optInWord));
      expect((await call(`/api/v1/patients/${t.patient.patient_id}/consent`, { key: t.key })).body.optedOut, optInWord).toBe(false);
    }
    const t = await twilioSetup();
    for (const body of ["Please stop calling me at work", "HELP", "stop it", "Yes please"]) {
      await postSigned(`/webhooks/twilio/${t.tenantId}/inbound`, inboundParams(t.patient.phone_number, body));
    }
    expect((await call(`/api/v1/patients/${t.patient.patient_id}/consent`, { key: t.key })).body.history).toEqual([]);
    // A custom keyword configured in Twilio's Advanced Opt-Out arrives labelled
    await postSigned(`/webhooks/twilio/${t.tenantId}/inbound`, inboundParams(t.patient.phone_number, "BAJA", { OptOutType: "STOP" }));
    const consent = (await call(`/api/v1/patients/${t.patient.patient_id}/consent`, { key: t.key })).body;
    expect(consent).toMatchObject({ optedOut: true, history: [{ keyword: "BAJA", source: "sms_keyword" }] });
  });

  it("a STOP from a number no patient has still opts that number out", async () => {
    const tenant = await createTenant();
    await useTwilio(tenant.apiKey);
    await postSigned(`/webhooks/twilio/${tenant.id}/inbound`, inboundParams("+15555557777", "STOP"));
    const later = await createPatient(tenant.apiKey, { phoneNumber: "+15555557777" });
    expect((await call(`/api/v1/patients/${later.patient_id}/consent`, { key: tenant.apiKey })).body.optedOut).toBe(true);
  });

  it("a STOP in one tenant does not opt the number out of another's", async () => {
    const a = await twilioSetup();
    const b = await commsSetup({ phoneNumber: a.patient.phone_number });
    await postSigned(`/webhooks/twilio/${a.tenantId}/inbound`, inboundParams(a.patient.phone_number, "STOP"));
    expect((await call(`/api/v1/patients/${b.patient.patient_id}/consent`, { key: b.key })).body.optedOut).toBe(false);
  });
});
