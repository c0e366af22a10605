import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { tables } from "@switchboard/schemas";
import type { Db } from "../lib/db";
import { open, seal } from "../lib/secret-box";
import { DEFAULT_SMS_SIMULATOR, type SmsSimulatorOptions } from "./simulator";
import type { TwilioConfig } from "./twilio";

export type MessagingSettingsRow = typeof tables.messagingSettings.$inferSelect;
const { messagingSettings } = tables;

/** The sealed token is bound to its tenant and account: copied to another row, it does not open. */
const tokenContext = (tenantId: string, accountSid: string) => `tenant:${tenantId}:twilio:${accountSid}`;

export async function getMessagingSettings(db: Db, tenantId: string): Promise<MessagingSettingsRow | undefined> {
  return db.select().from(messagingSettings).where(eq(messagingSettings.tenantId, tenantId)).get();
}

export function simulatorOptions(row: MessagingSettingsRow | undefined): SmsSimulatorOptions {
  return { ...DEFAULT_SMS_SIMULATOR, ...((row?.simulator ?? {}) as Partial<SmsSimulatorOptions>) };
}

/** The tenant's Twilio account, token opened; null when the tenant has none configured. */
export async function twilioConfig(row: MessagingSettingsRow | undefined, secretsKey: string | undefined): Promise<TwilioConfig | null> {
  if (!row?.twilioAccountSid || !row.twilioAuthTokenSealed) return null;
  if (!secretsKey) throw new Error("SECRETS_KEY is not set: Twilio credentials cannot be opened");
  return {
    accountSid: row.twilioAccountSid,
    authToken: await open(row.twilioAuthTokenSealed, secretsKey, tokenContext(row.tenantId, row.twilioAccountSid)),
    messagingServiceSid: row.twilioMessagingServiceSid,
    fromNumber: row.twilioFromNumber,
  };
}

export async function sealTwilioToken(token: string, secretsKey: string | undefined, tenantId: string, accountSid: string): Promise<string> {
  if (!secretsKey) throw new Error("SECRETS_KEY is not set: Twilio credentials cannot be sealed");
  return seal(token, secretsKey, tokenContext(tenantId, accountSid));
}

/** Stores the tenant's settings; `alongside` (e.g. the audit row) is written in the same atomic batch. */
export async function saveMessagingSettings(db: Db, row: MessagingSettingsRow, alongside: BatchItem<"sqlite">[] = []): Promise<MessagingSettingsRow> {
  const { tenantId, ...rest } = row;
  const [[saved]] = await db.batch([
    db.insert(messagingSettings).values(row).onConflictDoUpdate({ target: messagingSettings.tenantId, set: rest }).returning(),
    ...alongside,
  ]);
  return saved!;
}
