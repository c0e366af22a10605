import { tenantDatabase } from "../../shards/directory";
import { agentPurpose, canTransition, Purpose, type PolicyDecision, type UsStateCode } from "@switchboard/schemas";
import { decideAndRecord } from "../../contact-policy/attempt";
import { forgetContact } from "../../contact-policy/counters";
import { policyColumns, policyProvider, type Attempt } from "../../contact-policy/decide";
import { devWideWindow } from "../../contact-policy/deployment";
import { factsFrom, parseCounters, type PatientFacts } from "../../contact-policy/facts";
import { tenantPolicyOf, type TenantPolicy } from "../../contact-policy/tenant";
import type { Env } from "../../env";
import { iso } from "../../lib/time";
import { agentProviderRefs, startingWith } from "../../voice/adapters";
import type { CallJournal, CallRecord } from "./journal";
import { end } from "./rules";

/**
 * The contact policy, decided by the call object right before it dials (the authority: whatever
 * was decided when the call was created or queued, the facts may have changed since). Allowed:
 * the contact is recorded in the patient's counters and the call goes ahead. Deferred: the call
 * keeps waiting, `nextAttemptAt` says until when (the dispatcher puts it back in line for then).
 * Refused: it ends `canceled` with outcome `refused`. Neither of the last two reaches a vendor.
 * Returns whether to dial.
 */
export async function passesPolicy(env: Env, journal: CallJournal, record: CallRecord, attempt: number, now = Date.now()): Promise<boolean> {
  const state = journal.state!;
  const { input, facts, tenant } = attemptOf(env, record, now);
  state.hours = { timeZone: facts.timeZone, state: facts.state, provider: input.provider, tenant, devWide: input.devWideWindow };
  state.purpose = input.purpose;
  const decision = await decideAndRecord(await tenantDatabase(env, record.tenant_id), record.tenant_id, input, facts, tenant, contactRef(record, attempt));
  const columns = policyColumns(decision);
  if (decision.kind === "allow") {
    state.contactPolicy = columns;
    return true;
  }
  if (decision.kind === "refuse" && canTransition(state.status, "canceled")) {
    state.contactPolicy = columns;
    state.nextAttemptAt = null;
    end(journal, "canceled", "refused", "policy.refused", { reason: decision.reason, reasons: decision.reasons, attempt });
  } else if (decision.kind === "defer") {
    noteDeferral(journal, decision, attempt);
  }
  await journal.commit();
  return false;
}

/** The counters' name for one attempt of a call. */
function contactRef(record: CallRecord, attempt: number): string {
  return `${record.id}#${attempt}`;
}

/** Takes back the contact an attempt recorded when no vendor placed the call (see placement.ts `place`). */
export async function forgetAttempt(env: Env, record: CallRecord, attempt: number) {
  if (record.patient_id) await forgetContact(await tenantDatabase(env, record.tenant_id), record.tenant_id, record.patient_id, contactRef(record, attempt));
}

/** Records a deferral once: the same reason and time decided again is no news. */
export function noteDeferral(journal: Pick<CallJournal, "state" | "note">, decision: Extract<PolicyDecision, { kind: "defer" }>, attempt: number) {
  const state = journal.state!;
  const columns = policyColumns(decision);
  const known = state.contactPolicy?.policyDecision === "defer" && state.contactPolicy.policyReason === columns.policyReason && state.contactPolicy.policyUntil === columns.policyUntil;
  state.contactPolicy = columns;
  state.nextAttemptAt = decision.until;
  if (!known) journal.note("policy.deferred", { reason: decision.reason, reasons: decision.reasons, until: iso(decision.until), attempt });
}

function attemptOf(env: Env, record: CallRecord, now: number): { input: Attempt; facts: PatientFacts; tenant: TenantPolicy } {
  const settings = parseSettings(record.agent_settings);
  const providers = startingWith(agentProviderRefs(record.agent_provider, settings), record.provider).map((ref) => ref.provider);
  const purpose = Purpose.safeParse(record.purpose);
  const allowed = Purpose.array().safeParse(settings.allowedPurposes);
  const input: Attempt = {
    now,
    channel: "call",
    purpose: purpose.success ? purpose.data : agentPurpose(settings),
    subject: record.subject,
    provider: policyProvider(providers),
    agentPurposes: allowed.success ? allowed.data : null,
    devWideWindow: devWideWindow(env),
  };
  const facts = factsFrom(
    {
      patient_id: record.patient_id ?? "",
      phone_number: record.phone_number,
      timezone: record.patient_timezone,
      state: record.patient_state as UsStateCode | null,
      opted_out: record.opted_out,
      on_dnc: record.on_dnc,
      consent: record.consent,
    },
    parseCounters({ recent: record.counters_recent, version: record.counters_version }),
  );
  return { input, facts, tenant: tenantPolicyOf(record, env) };
}

function parseSettings(json: string): Record<string, unknown> {
  try {
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return {};
  }
}
