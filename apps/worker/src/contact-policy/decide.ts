import {
  evaluateCallingHours,
  evaluateContactPolicy,
  type ContactPolicyDecision,
  type ContactProvider,
  type DeferReason,
  type PolicyDecision,
  type PolicyInput,
  type Purpose,
  type ReasonCode,
  type RefuseReason,
  REASON_CODES,
} from "@switchboard/schemas";
import type { PatientFacts } from "./facts";
import type { TenantPolicy } from "./tenant";

/** One attempt to decide: a call or a text, for a purpose, through a provider. */
export interface Attempt {
  now: number;
  channel: "call" | "sms";
  /** Texts: the body, for the exemption's 160 characters. */
  body?: string | null;
  purpose: Purpose;
  subject?: string | null;
  provider: ContactProvider;
  /** Purposes the agent allows (calls); all when absent. */
  agentPurposes?: readonly Purpose[] | null;
  devWideWindow: boolean;
}

export function policyInput(attempt: Attempt, facts: PatientFacts, tenant: TenantPolicy): PolicyInput {
  return {
    now: attempt.now,
    attempt: attempt.channel === "call" ? { channel: "call" } : { channel: "sms", body: attempt.body ?? "" },
    purpose: attempt.purpose,
    ...(attempt.subject ? { subject: attempt.subject } : {}),
    provider: attempt.provider,
    devWideWindow: attempt.devWideWindow,
    patient: { timeZone: knownZone(facts.timeZone), state: facts.state },
    tenant,
    ...(attempt.agentPurposes ? { agentPurposes: attempt.agentPurposes } : {}),
    consent: { optedOut: facts.optedOut, records: facts.consent },
    onDoNotCallList: facts.onDoNotCallList,
    recentContacts: facts.counters?.recent ?? [],
  };
}

/** The policy's decision on one attempt, from the facts read for it. */
export function decide(attempt: Attempt, facts: PatientFacts, tenant: TenantPolicy): PolicyDecision {
  return evaluateContactPolicy(policyInput(attempt, facts, tenant));
}

/** The hours alone (the dispatcher's ordering, the dry run's estimate). */
export function decideHours(at: number, where: { timeZone: string | null; state: PatientFacts["state"] }, provider: ContactProvider, tenant: TenantPolicy, devWide: boolean) {
  return evaluateCallingHours({ now: at, provider, devWideWindow: devWide, patient: { timeZone: knownZone(where.timeZone), state: where.state }, tenant });
}

// Building an Intl formatter is slow (about half a millisecond): each zone is checked once.
const zones = new Map<string, boolean>();

/** A zone this runtime does not know counts as unknown: the tenant's applies. */
function knownZone(zone: string | null): string | null {
  if (!zone) return null;
  let known = zones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    if (zones.size > 1_000) zones.clear();
    zones.set(zone, known);
  }
  return known ? zone : null;
}

/**
 * The provider the policy sees for a call: the simulator only when every provider the call may
 * be placed on is the simulator (it reaches no one); otherwise a real vendor, which always gets
 * the legal hours and whose contacts count toward the caps.
 */
export function policyProvider(providers: readonly string[]): ContactProvider {
  return (providers.find((p) => p !== "simulator") ?? "simulator") as ContactProvider;
}

/** Contacts through the simulator reach no one, so they are decided but never counted. */
export function countsAsContact(provider: ContactProvider): boolean {
  return provider !== "simulator";
}

/** A refusal in words, for error messages: what the rule found, then its code. */
export function refusalMessage(reason: RefuseReason, what: "call" | "text"): string {
  const nothing = what === "call" ? "no call was placed" : "nothing was sent";
  switch (reason) {
    case "opted_out":
      return `The patient has opted out of contact (a STOP text or another revocation); ${nothing} [opted_out]`;
    case "number_on_dnc":
      return `The number is on the tenant's do-not-call list; ${nothing} [number_on_dnc]`;
    default:
      return `Refused by the contact policy: ${REASON_CODES[reason]} ${nothing[0]!.toUpperCase()}${nothing.slice(1)} [${reason}]`;
  }
}

/** How a decision is kept on a call or message row. */
export interface PolicyColumns {
  policyDecision: "allow" | "defer" | "refuse";
  policyReason: ReasonCode | null;
  policyReasons: string | null;
  policyUntil: number | null;
}

export function policyColumns(decision: PolicyDecision): PolicyColumns {
  if (decision.kind === "allow") return { policyDecision: "allow", policyReason: null, policyReasons: null, policyUntil: null };
  return {
    policyDecision: decision.kind,
    policyReason: decision.reason,
    policyReasons: decision.reasons.join(","),
    policyUntil: decision.kind === "defer" ? decision.until : null,
  };
}

/** How a row keeps a decision, as read back (policyColumns, untyped). */
type StoredPolicy = { policyDecision: string | null; policyReason: string | null; policyReasons: string | null; policyUntil: number | null };

/** A row's stored decision (policyColumns) back as the decision; null when none was made. */
export function decisionOf(row: StoredPolicy): PolicyDecision | null {
  const reasons = row.policyReasons ? row.policyReasons.split(",") : [];
  if (row.policyDecision === "allow") return { kind: "allow", reasons: [] };
  if (row.policyDecision === "defer") return { kind: "defer", until: row.policyUntil!, reason: row.policyReason as DeferReason, reasons: reasons as DeferReason[] };
  if (row.policyDecision === "refuse") return { kind: "refuse", reason: row.policyReason as RefuseReason, reasons: reasons as RefuseReason[] };
  return null;
}

/** A row's stored decision on the wire; null when none was made. */
export function policyWire(row: StoredPolicy): ContactPolicyDecision | null {
  if (row.policyDecision !== "allow" && row.policyDecision !== "defer" && row.policyDecision !== "refuse") return null;
  return {
    decision: row.policyDecision,
    reason: (row.policyReason as ReasonCode | null) ?? null,
    reasons: row.policyReasons ? (row.policyReasons.split(",") as ReasonCode[]) : [],
    until: row.policyUntil === null ? null : new Date(row.policyUntil).toISOString(),
  };
}
