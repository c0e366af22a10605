import type { MessageStatus } from "@switchboard/schemas";
import type { MessagingProvider, OutboundText, SendResult } from "./transport";

export const TWILIO_API_BASE = "https://api.twilio.com/2010-04-01";
const TIMEOUT_MS = 10_000;

/** Twilio's MessageStatus values in ours. */
export const TWILIO_MESSAGE_STATUS: Readonly<Record<string, MessageStatus>> = {
  accepted: "QUEUED",
  queued: "QUEUED",
  scheduled: "SCHEDULED",
  sending: "SENDING",
  sent: "SENT",
  delivered: "DELIVERED",
  undelivered: "UNDELIVERED",
  failed: "FAILED",
  read: "READ",
  canceled: "FAILED",
};

/** Twilio error codes that change what a failure means. */
const TWILIO_VALIDITY_EXPIRED = "30036";
export const TWILIO_UNSUBSCRIBED_RECIPIENT = "21610";

/** Our status for a Twilio status (and error code, when it has one); null for statuses we do not track. */
export function fromTwilioStatus(status: string, errorCode?: string | null): MessageStatus | null {
  const mapped = TWILIO_MESSAGE_STATUS[status.toLowerCase()];
  if (!mapped) return null;
  if (mapped === "FAILED" && errorCode === TWILIO_VALIDITY_EXPIRED) return "EXPIRED";
  if ((mapped === "FAILED" || mapped === "UNDELIVERED") && errorCode === TWILIO_UNSUBSCRIBED_RECIPIENT) return "OPTED_OUT";
  return mapped;
}

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  messagingServiceSid: string | null;
  fromNumber: string | null;
}

/** Twilio's Programmable Messaging: `POST /Accounts/{AccountSid}/Messages.json`. */
export function createTwilioMessaging(config: TwilioConfig): MessagingProvider {
  return {
    name: "twilio",
    async send(text: OutboundText): Promise<SendResult> {
      const form = new URLSearchParams();
      form.set("To", text.to);
      // A Messaging Service picks the sender itself (and applies its opt-out handling).
      if (config.messagingServiceSid) form.set("MessagingServiceSid", config.messagingServiceSid);
      else if (config.fromNumber) form.set("From", config.fromNumber);
      if (text.body) form.set("Body", text.body);
      for (const url of text.mediaUrls) form.append("MediaUrl", url);
      form.set("StatusCallback", text.statusCallbackUrl);

      let res: Response;
      try {
        res = await fetch(`${TWILIO_API_BASE}/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`, {
          method: "POST",
          headers: {
            Authorization: `Basic ${btoa(`${config.accountSid}:${config.authToken}`)}`,
            "Content-Type": "application/x-www-form-urlencoded",
            Accept: "application/json",
          },
          body: form.toString(),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (error) {
        logVendorError(text.messageId, null, null, error instanceof Error ? error.name : "unknown");
        return { accepted: false, status: "FAILED", errorMessage: "Twilio could not be reached; the message was not sent", retryable: true };
      }
      const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
      if (res.ok && body && typeof body.sid === "string") {
        const status = fromTwilioStatus(String(body.status ?? "queued")) ?? "QUEUED";
        return { accepted: true, providerMessageId: body.sid, status, from: typeof body.from === "string" ? body.from : null };
      }
      // Clients get Twilio's code and what it means for them; the logs get the code and the status.
      const code = body && (typeof body.code === "number" || typeof body.code === "string") ? String(body.code) : null;
      logVendorError(text.messageId, res.status, code, null);
      if (code === TWILIO_UNSUBSCRIBED_RECIPIENT) {
        return { accepted: false, status: "OPTED_OUT", errorMessage: "The patient has opted out of text messages (Twilio error 21610)" };
      }
      if (res.status >= 500 || res.status === 429) {
        return { accepted: false, status: "FAILED", errorMessage: `Twilio was unavailable (HTTP ${res.status}); the message was not sent`, retryable: true };
      }
      if (res.status === 401 || res.status === 403) {
        return { accepted: false, status: "FAILED", errorMessage: "Twilio refused the account credentials; check the tenant's messaging settings" };
      }
      return {
        accepted: false,
        status: "FAILED",
        errorMessage: code ? `Twilio refused the message (error ${code}, see https://www.twilio.com/docs/errors/${code})` : `Twilio refused the message (HTTP ${res.status})`,
      };
    },
  };
}

function logVendorError(messageId: string, status: number | null, code: string | null, error: string | null) {
  // Never Twilio's body or wording: its messages quote the number in any format ("+1555…", "(555) …",
  // "5551234567") and a redaction pattern cannot know them all. The status and code say what happened.
  console.error(JSON.stringify({ level: "warn", msg: "twilio send failed", messageId, status, code, error }));
}
