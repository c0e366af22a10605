import type { MessageStatus } from "@switchboard/schemas";
import type { MessagingProvider, OutboundText, SendResult, StatusReporter } from "./transport";
import { errorSummary } from "../lib/log-safe";

export interface SmsSimulatorOptions {
  outcome: "delivered" | "undelivered" | "failed";
  stepMs: number;
}

export const DEFAULT_SMS_SIMULATOR: SmsSimulatorOptions = { outcome: "delivered", stepMs: 1_000 };

const SCRIPTS: Record<SmsSimulatorOptions["outcome"], { status: MessageStatus; errorMessage?: string }[]> = {
  delivered: [{ status: "SENDING" }, { status: "SENT" }, { status: "DELIVERED" }],
  undelivered: [{ status: "SENDING" }, { status: "SENT" }, { status: "UNDELIVERED", errorMessage: "Unreachable destination handset (simulated)" }],
  failed: [{ status: "FAILED", errorMessage: "Message failed (simulated)" }],
};

/**
 * The default provider: sends nothing. It accepts the text as Twilio would (QUEUED) and then
 * reports the rest of a delivery through `report`, one step every `stepMs`, kept alive by `waitUntil`.
 */
export function createSmsSimulator(options: SmsSimulatorOptions, report: StatusReporter, waitUntil: (p: Promise<unknown>) => void): MessagingProvider {
  return {
    name: "simulator",
    async send(text: OutboundText): Promise<SendResult> {
      const play = async () => {
        for (const step of SCRIPTS[options.outcome]) {
          await new Promise((resolve) => setTimeout(resolve, options.stepMs));
          await report(step.status, step.errorMessage);
        }
      };
      waitUntil(
        play().catch((error) => {
          console.error(JSON.stringify({ level: "error", msg: "sms simulator step failed", messageId: text.messageId, error: errorSummary(error) }));
        }),
      );
      return { accepted: true, providerMessageId: `SIM${text.messageId.replaceAll("-", "")}`, status: "QUEUED", from: null };
    },
  };
}
