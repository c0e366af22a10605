import { z } from "@hono/zod-openapi";
import { PROVIDERS } from "../wire/agent";
import type { ConsentSummary } from "./consent";
import type { RecentContact } from "./contacts";
import type { Purpose } from "./purposes";
import type { TenantContactPolicy } from "./tenant";
import { UsStateCode } from "./us-states";
import { IanaTimeZone } from "./zone-time";

/** Who places the contact: the voice providers, or Twilio for texts. `simulator` reaches no one. */
export const CONTACT_PROVIDERS = [...PROVIDERS, "twilio"] as const;
export type ContactProvider = (typeof CONTACT_PROVIDERS)[number];

/** Where the patient is, for hours and state rules. */
export const PatientLocation = z
  .object({
    timeZone: IanaTimeZone.nullable().openapi({ description: "Falls back to the tenant's zone when null" }),
    state: UsStateCode.nullable().openapi({ description: "When null, the strictest state rule applies" }),
  })
  .openapi("PatientLocation");
export type PatientLocation = z.infer<typeof PatientLocation>;

/** Everything one decision needs, assembled by the caller from its stores. */
export interface PolicyInput {
  now: number;
  attempt: { channel: "call" } | { channel: "sms"; body: string };
  purpose: Purpose;
  /** What the contact is about, for the states' same-subject caps; the purpose when absent. */
  subject?: string;
  provider: ContactProvider;
  /** Local development: call the simulator at any hour. Ignored for every other provider. */
  devWideWindow?: boolean;
  patient: PatientLocation;
  tenant: { timeZone: string; policy: TenantContactPolicy };
  /** Purposes the agent placing the contact is built for; all when absent. */
  agentPurposes?: readonly Purpose[];
  consent: ConsentSummary;
  /** The number is on the tenant's do-not-call list. */
  onDoNotCallList: boolean;
  /** The patient's contacts from this tenant in the last 7 days (see `recordContact`). */
  recentContacts: readonly RecentContact[];
}

/** What the calling hours depend on: where the patient is, the tenant's hours, and who dials. */
export type HoursInput = Pick<PolicyInput, "now" | "provider" | "devWideWindow" | "patient" | "tenant">;

export function patientTimeZone(input: HoursInput): string {
  return input.patient.timeZone ?? input.tenant.timeZone;
}
