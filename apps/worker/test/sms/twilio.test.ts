import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { BASE, call } from "../helpers/http";
import { createTenant } from "../helpers/tenants";
import { commsSetup, PNG, sendMessage, setMessaging, twilioSetup, useTwilio } from "../helpers/messaging";
import { ACCOUNT_SID, AUTH_TOKEN, fakeTwilioMessages, MESSAGES_URL, messageSid, SERVICE_SID, twilioError } from "../fakes/twilio";
import { server } from "../network";

describe("messaging settings", () => {
  it("stores the Twilio auth token sealed and never returns it", async () => {
    const { apiKey: key, id: tenantId } = await createTenant();
    const initial = await call("/api/v1/messaging/settings", { key });
    expect(initial.body).toEqual({
      provider: "simulator",
      twilio: null,
      simulator: { outcome: "delivered", stepMs: 1000 },
      webhooks: { inbound: `${BASE}/webhooks/twilio/${tenantId}/inbound` },
      updatedAt: null,
    });
    const saved = await useTwilio(key);
    expect(saved).toEqual({
      provider: "twilio",
      twilio: { accountSid: ACCOUNT_SID, authTokenSet: true, messagingServiceSid: SERVICE_SID, fromNumber: null },
      simulator: { outcome: "delivered", stepMs: 1000 },
      webhooks: { inbound: `${BASE}/webhooks/twilio/${tenantId}/inbound` },
      updatedAt: expect.any(String),
    });
    expect(JSON.stringify(saved)).not.toContain(AUTH_TOKEN);
    expect(JSON.stringify((await call("/api/v1/messaging/settings", { key })).body)).not.toContain(AUTH_TOKEN);
    const row = await env.DB.prepare("SELECT * FROM messaging_settings WHERE tenant_id = ?").bind(tenantId).first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(AUTH_TOKEN);
    expect(row?.twilio_auth_token_sealed).toMatch(/^v1\./);

    // the same account keeps its token when none is sent; a from number replaces the service
    const kept = await setMessaging(key, { provider: "twilio", twilio: { accountSid: ACCOUNT_SID, fromNumber: "(555) 555-0100" } });
    expect(kept.status).toBe(200);
    expect(kept.body.twilio).toEqual({ accountSid: ACCOUNT_SID, authTokenSet: true, messagingServiceSid: null, fromNumber: "+15555550100" });
    const otherAccount = await setMessaging(key, { provider: "twilio", twilio: { accountSid: `AC${"c3".repeat(16)}`, fromNumber: "+15555550100" } });
    expect(otherAccount.status).toBe(400);
    expect(otherAccount.body.error.message).toMatch(/authToken is required/);
  });

  it("validates what Twilio needs", async () => {
    const { apiKey: key } = await createTenant();
    for (const [body, message] of [
      [{ provider: "twilio" }, /provider twilio needs twilio/],
      [{ provider: "twilio", twilio: { accountSid: "AC123", authToken: AUTH_TOKEN, fromNumber: "+15555550100" } }, /accountSid must be a Twilio Account SID/],
      [{ provider: "twilio", twilio: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } }, /messagingServiceSid or a fromNumber/],
      [{ provider: "twilio", twilio: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, messagingServiceSid: "MGx" } }, /messagingServiceSid must be/],
      [{ provider: "twilio", twilio: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: "12" } }, /fromNumber/],
      [{ provider: "pigeon" }, /provider/],
    ] as const) {
      const res = await setMessaging(key, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
  });
});

describe("sending through Twilio's Messages API", () => {
  it("posts Messages.json with the account's credentials, the patient's number, a status callback and signed media URLs", async () => {
    const t = await twilioSetup();
    const sent = fakeTwilioMessages(server);
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Here is your lab report" }, [new File([PNG], "report.png")]);
    expect(res.status).toBe(200);
    expect(sent).toHaveLength(1);
    const request = sent[0]!;
    expect(request.authorization).toBe(`Basic ${btoa(`${ACCOUNT_SID}:${AUTH_TOKEN}`)}`);
    expect(request.contentType).toBe("application/x-www-form-urlencoded");
    expect([...request.params.keys()].sort()).toEqual(["Body", "MediaUrl", "MessagingServiceSid", "StatusCallback", "To"]);
    expect(request.params.get("To")).toBe(t.patient.phone_number);
    expect(request.params.get("MessagingServiceSid")).toBe(SERVICE_SID);
    expect(request.params.get("Body")).toBe("Here is your lab report");
    expect(request.params.get("StatusCallback")).toBe(`${BASE}/webhooks/twilio/${t.tenantId}/messages/${res.body.id}/status`);
    // Twilio fetches the media from the signed link, with no credentials of ours
    const media = await SELF.fetch(request.params.get("MediaUrl")!);
    expect(media.status).toBe(200);
    expect(new Uint8Array(await media.arrayBuffer())).toEqual(PNG);
    // Twilio answered `accepted` (Messaging Service): QUEUED, with Twilio's MessageSid
    expect(res.body.status).toBe("QUEUED");
    expect(res.body.sendoMessageId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it("stores the message (CREATED) before handing it to Twilio", async () => {
    const t = await twilioSetup();
    const seen: (string | undefined)[] = [];
    server.use(
      http.post(MESSAGES_URL, async () => {
        const row = await env.DB.prepare("SELECT status FROM messages WHERE chat_id = ?").bind(t.chat.id).first<{ status: string }>();
        seen.push(row?.status);
        return HttpResponse.json({ sid: messageSid(), status: "queued" }, { status: 201 });
      }),
    );
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hi" });
    expect(seen).toEqual(["CREATED"]);
    expect(res.body.status).toBe("QUEUED");
  });

  it("fails the message clearly when the stored credentials cannot be opened", async () => {
    const t = await twilioSetup();
    await env.DB.prepare("UPDATE messaging_settings SET twilio_auth_token_sealed = 'v1.AAAA.BBBB' WHERE tenant_id = ?").bind(t.tenantId).run();
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hi" });
    expect(res.body).toMatchObject({ status: "FAILED", errorMessage: expect.stringMatching(/credentials could not be opened/) });
  });

  it("sends From when the tenant has a number instead of a Messaging Service", async () => {
    const t = await commsSetup();
    await setMessaging(t.key, { provider: "twilio", twilio: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: "+15555550100" } });
    const sent = fakeTwilioMessages(server);
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hi" });
    expect(sent[0]!.params.get("From")).toBe("+15555550100");
    expect(sent[0]!.params.has("MessagingServiceSid")).toBe(false);
    expect(sent[0]!.params.has("MediaUrl")).toBe(false);
    expect(res.body.status).toBe("QUEUED");
  });

  it("records Twilio's refusals without echoing Twilio's text; 21610 is an opt-out", async () => {
    const cases: [() => Response, string, RegExp][] = [
      [() => twilioError(400, 21211, "The 'To' number +15555551234 is not a valid phone number."), "FAILED", /^Twilio refused the message \(error 21211/],
      [() => twilioError(401, 20003, "Authenticate"), "FAILED", /credentials/],
      // retryable: left CREATED for the resend sweep (test/message-resend.test.ts)
      [() => twilioError(503, 20500, "Internal Server Error"), "CREATED", /unavailable \(HTTP 503\).*retrying \(attempt 1 of 5\)/],
      [() => HttpResponse.error(), "CREATED", /could not be reached.*retrying/],
      [() => twilioError(400, 21610, "Attempt to send to unsubscribed recipient"), "OPTED_OUT", /opted out/],
    ];
    for (const [respond, status, message] of cases) {
      const t = await twilioSetup();
      fakeTwilioMessages(server, () => respond());
      const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hi" });
      expect(res.status).toBe(200);
      expect(res.body.status, message.source).toBe(status);
      expect(res.body.errorMessage).toMatch(message);
      expect(res.body.errorMessage).not.toContain("+1555");
      expect(res.body.sendoMessageId).toBeNull();
      if (status === "OPTED_OUT") {
        const consent = await call(`/api/v1/patients/${t.patient.patient_id}/consent`, { key: t.key });
        expect(consent.body).toMatchObject({ optedOut: true, history: [{ source: "provider_21610", keyword: null, optedInAt: null }] });
      }
    }
  });
});
