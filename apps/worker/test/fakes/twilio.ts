import { http, HttpResponse } from "msw";
import type { SetupServer } from "msw/node";

/** The test account on the fake Twilio. */
export const ACCOUNT_SID = `AC${"a1".repeat(16)}`;
export const AUTH_TOKEN = "9f86d081884c7d659a2feaa0c55ad015";
export const SERVICE_SID = `MG${"b2".repeat(16)}`;
export const MESSAGES_URL = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

export interface CapturedSend {
  authorization: string | null;
  contentType: string | null;
  params: URLSearchParams;
}

let sidCounter = 0;
export function messageSid(): string {
  sidCounter += 1;
  return `SM${sidCounter.toString(16).padStart(32, "0")}`;
}

/**
 * A fake of Twilio's Messages.json that behaves as its docs say: 201 with the Message resource
 * (status `accepted` for a Messaging Service, else `queued`), or Twilio's error body. Returns the
 * sends it received.
 */
export function fakeTwilioMessages(server: SetupServer, respond?: (params: URLSearchParams) => Response | undefined) {
  const sent: CapturedSend[] = [];
  server.use(
    http.post(MESSAGES_URL, async ({ request }) => {
      const params = new URLSearchParams(await request.text());
      sent.push({ authorization: request.headers.get("Authorization"), contentType: request.headers.get("Content-Type"), params });
      const custom = respond?.(params);
      if (custom) return custom;
      const sid = messageSid();
      return HttpResponse.json(
        {
          sid,
          account_sid: ACCOUNT_SID,
          messaging_service_sid: params.get("MessagingServiceSid"),
          to: params.get("To"),
          from: params.get("From"),
          body: params.get("Body"),
          status: params.get("MessagingServiceSid") ? "accepted" : "queued",
          num_media: String(params.getAll("MediaUrl").length),
          direction: "outbound-api",
          error_code: null,
          error_message: null,
          uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`,
        },
        { status: 201 },
      );
    }),
  );
  return sent;
}

export function twilioError(status: number, code: number, message: string) {
  return HttpResponse.json({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, { status });
}

/** The fields Twilio posts to a status callback. */
export function statusParams(sid: string, status: string, extra: Record<string, string> = {}) {
  return { MessageSid: sid, SmsSid: sid, SmsStatus: status, MessageStatus: status, AccountSid: ACCOUNT_SID, MessagingServiceSid: SERVICE_SID, From: "+15555550100", To: "+15555551234", ApiVersion: "2010-04-01", ...extra };
}

/** The fields Twilio posts to an incoming-message webhook. */
export function inboundParams(from: string, body: string, extra: Record<string, string> = {}) {
  const sid = messageSid();
  return {
    ToCountry: "US", ToState: "CA", SmsMessageSid: sid, NumMedia: "0", ToCity: "", FromZip: "", SmsSid: sid, FromState: "CA", SmsStatus: "received",
    FromCity: "", Body: body, FromCountry: "US", To: "+15555550100", MessagingServiceSid: SERVICE_SID, ToZip: "", NumSegments: "1", MessageSid: sid,
    AccountSid: ACCOUNT_SID, From: from, ApiVersion: "2010-04-01", ...extra,
  };
}
