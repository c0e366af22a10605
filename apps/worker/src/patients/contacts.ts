import { EXEMPT_CAPS, isExemptPurpose, Purpose, stateRuleFor, subjectOf, type RecentContact, type UsStateCode } from "@switchboard/schemas";
import { policyWire } from "../contact-policy/decide";
import { readCounters } from "../contact-policy/counters";
import { storedTightening } from "../contact-policy/tenant";
import { iso } from "../lib/time";
import type { PatientRow } from "./store";

const DAY = 24 * 3600_000;
const WEEK = 7 * DAY;

interface ContactRow {
  channel: "call" | "sms";
  id: string;
  at: number;
  status: string;
  outcome: string | null;
  purpose: string | null;
  policy_decision: string | null;
  policy_reason: string | null;
  policy_reasons: string | null;
  policy_until: number | null;
  provider: string | null;
}

/**
 * A patient's contact history: every call and text the tenant made or tried, newest first, with
 * the contact policy's decision on each, and the counters the caps use (what they hold now and
 * what that leaves). Calls by patient (an index: `+tenant_id` keeps the planner off the tenant's
 * index, which would walk every call of the tenant's), texts through the patient's chat.
 */
export async function patientContacts(db: D1Database, tenantId: string, patient: PatientRow, page: { limit: number; offset: number }, now = Date.now()) {
  const union = `
    SELECT 'call' AS channel, id, created_at AS at, status, outcome, purpose, policy_decision, policy_reason, policy_reasons, policy_until, provider
      FROM calls WHERE patient_id = ?1 AND +tenant_id = ?2
    UNION ALL
    SELECT 'sms', m.id, m.created_at, m.status, NULL, m.purpose, m.policy_decision, m.policy_reason, m.policy_reasons, m.policy_until, m.provider
      FROM messages m JOIN chats ch ON ch.id = m.chat_id AND ch.tenant_id = m.tenant_id
     WHERE ch.patient_id = ?1 AND m.tenant_id = ?2 AND m.direction = 'OUTBOUND'`;
  const [rows, total, tenant] = await db.batch<unknown>([
    db.prepare(`${union} ORDER BY at DESC, id DESC LIMIT ?3 OFFSET ?4`).bind(patient.id, tenantId, page.limit, page.offset),
    db.prepare(`SELECT count(*) AS n FROM (${union})`).bind(patient.id, tenantId),
    db.prepare("SELECT contact_policy FROM tenants WHERE id = ?").bind(tenantId),
  ]);
  const counters = await readCounters(db, tenantId, patient.id);
  const recent = counters?.recent ?? [];
  // Calls are recorded per attempt (`<call id>#<attempt>`), texts by their id.
  const counted = new Set(recent.filter((c) => now - c.at < WEEK).flatMap((c) => (c.ref ? [c.ref.split("#")[0]!] : [])));
  const caps = storedTightening((tenant!.results[0] as { contact_policy: string | null } | undefined)?.contact_policy ?? null).caps ?? {};
  return {
    patientId: patient.id,
    counters: countersView(recent, patient.state as UsStateCode | null, caps, now),
    data: (rows!.results as ContactRow[]).map((r) => ({
      channel: r.channel,
      id: r.id,
      at: iso(r.at),
      status: r.status,
      outcome: r.outcome,
      purpose: Purpose.safeParse(r.purpose).data ?? null,
      policy: policyWire({ policyDecision: r.policy_decision, policyReason: r.policy_reason, policyReasons: r.policy_reasons, policyUntil: r.policy_until }),
      provider: r.provider,
      counted: counted.has(r.id),
    })),
    total: (total!.results[0] as { n: number }).n,
  };
}

/** What the caps see in the counters row, and what it leaves. */
function countersView(recent: readonly RecentContact[], state: UsStateCode | null, caps: { exemptPerDay?: number; exemptPerWeek?: number; sameSubjectPer24h?: number }, now: number) {
  const exempt = recent.filter((c) => isExemptPurpose(c.purpose));
  const inLast = (list: readonly RecentContact[], ms: number) => list.filter((c) => now - c.at < ms);
  const perDay = Math.min(EXEMPT_CAPS.perDay, caps.exemptPerDay ?? EXEMPT_CAPS.perDay);
  const perWeek = Math.min(EXEMPT_CAPS.perWeek, caps.exemptPerWeek ?? EXEMPT_CAPS.perWeek);
  const day = inLast(exempt, DAY).sort((a, b) => b.at - a.at);
  const week = inLast(exempt, WEEK).sort((a, b) => b.at - a.at);
  // The caps free up when the perDay-th (perWeek-th) most recent exempt contact leaves its window.
  const frees = [day.length >= perDay ? day[perDay - 1]!.at + DAY : now, week.length >= perWeek ? week[perWeek - 1]!.at + WEEK : now];
  const next = Math.max(...frees);
  const stateCap = stateRuleFor(state).sameSubjectPer24h;
  const max = stateCap === null ? null : Math.min(stateCap, caps.sameSubjectPer24h ?? stateCap);
  const subjects = new Map<string, number>();
  for (const c of inLast(recent, DAY)) subjects.set(subjectOf(c), (subjects.get(subjectOf(c)) ?? 0) + 1);
  return {
    recent: recent.map((c) => ({ at: iso(c.at), channel: c.channel, purpose: c.purpose, subject: c.subject ?? null, id: c.ref?.split("#")[0] ?? null })),
    exempt: { last24h: day.length, perDay, last7d: week.length, perWeek },
    sameSubject: [...subjects].map(([subject, last24h]) => ({ subject, last24h, max })),
    nextExemptContactAt: next > now ? iso(next) : null,
  };
}
