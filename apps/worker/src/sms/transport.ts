import type { MessageStatus } from "@switchboard/schemas";

/** One text to one patient. */
export interface OutboundText {
  messageId: string;
  /** E.164 */
  to: string;
  body: string | null;
  /** Signed links the provider fetches the attachments from. */
  mediaUrls: string[];
  /** Where the provider reports delivery (Twilio's StatusCallback). */
  statusCallbackUrl: string;
}

export type SendResult =
  | { accepted: true; providerMessageId: string; status: MessageStatus; from: string | null }
  /** `retryable`: the provider was unreachable or busy (network, 5xx, 429), so the same text may be handed over again. */
  | { accepted: false; status: "FAILED" | "OPTED_OUT"; errorMessage: string; retryable?: boolean };

/** Reports a later status of a message (how the simulator plays its delivery callbacks). */
export type StatusReporter = (status: MessageStatus, errorMessage?: string) => Promise<void>;

export interface MessagingProvider {
  readonly name: "simulator" | "twilio";
  send(text: OutboundText): Promise<SendResult>;
}
