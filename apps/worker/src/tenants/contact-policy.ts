import { eq } from "drizzle-orm";
import {
  consentNeededFor,
  EXEMPT_CAPS,
  FEDERAL_CALLING_HOURS,
  isExemptPurpose,
  PURPOSES,
  REASON_CODES,
  REFUSE_REASONS,
  STATE_RULES,
  stateRuleFor,
  tables,
  type ContactPolicyUpdate,
  type ReasonCode,
  type StateRule,
} from "@switchboard/schemas";
import { clockOf, deploymentWindow, devWideWindow, type PolicyEnv } from "../contact-policy/deployment";
import { storedTightening } from "../contact-policy/tenant";
import { DomainError } from "../errors";
import type { Db } from "../lib/db";

const hours = (window: { start: number; end: number } | null | undefined) => (window ? { start: clockOf(window.start), end: clockOf(window.end) } : null);

/** Every rule the tenant's contacts are decided by, with its own tightening, as data. */
export async function contactPolicySettings(db: Db, env: PolicyEnv, tenantId: string) {
  const row = await db.select().from(tables.tenants).where(eq(tables.tenants.id, tenantId)).get();
  if (!row) throw new Error("the tenant of an authenticated request is gone");
  const own = storedTightening(row.contactPolicy ? JSON.stringify(row.contactPolicy) : null);
  const unknown = stateRuleFor(null);
  return {
    federalHours: hours(FEDERAL_CALLING_HOURS)!,
    deploymentHours: hours(deploymentWindow(env))!,
    callingHours: row.callingHoursStart && row.callingHoursEnd ? { start: row.callingHoursStart, end: row.callingHoursEnd } : null,
    caps: {
      exemptPerDay: Math.min(EXEMPT_CAPS.perDay, own.caps?.exemptPerDay ?? EXEMPT_CAPS.perDay),
      exemptPerWeek: Math.min(EXEMPT_CAPS.perWeek, own.caps?.exemptPerWeek ?? EXEMPT_CAPS.perWeek),
      sameSubjectPer24h: own.caps?.sameSubjectPer24h ?? null,
    },
    allowedPurposes: own.allowedPurposes ?? null,
    purposes: PURPOSES.map((purpose) => ({ purpose, exempt: isExemptPurpose(purpose), consent: consentNeededFor(purpose) })),
    states: Object.entries(STATE_RULES as Record<string, StateRule>).map(([state, rule]) => ({
      state,
      hours: hours(rule.hours),
      sameSubjectPer24h: rule.sameSubjectPer24h ?? null,
      citation: rule.citation,
    })),
    unknownState: { hours: hours(unknown.hours), sameSubjectPer24h: unknown.sameSubjectPer24h },
    reasons: (Object.entries(REASON_CODES) as [ReasonCode, string][]).map(([code, description]) => ({
      code,
      outcome: (REFUSE_REASONS as readonly string[]).includes(code) ? ("refuse" as const) : ("defer" as const),
      description,
    })),
    devWideWindow: devWideWindow(env),
  };
}

/**
 * Tightens (or loosens back to the law) the tenant's policy: its calling hours, caps and allowed
 * purposes. The schema only accepts values at or inside the legal ones; hours must also lie inside
 * the deployment's (`CALLING_HOURS`). Each field replaces what is stored; null removes it.
 */
export async function updateContactPolicy(db: Db, env: PolicyEnv, tenantId: string, update: ContactPolicyUpdate) {
  const row = await db.select().from(tables.tenants).where(eq(tables.tenants.id, tenantId)).get();
  if (!row) throw new Error("the tenant of an authenticated request is gone");
  const own = storedTightening(row.contactPolicy ? JSON.stringify(row.contactPolicy) : null);
  const changes: Partial<typeof tables.tenants.$inferInsert> = {};
  if (update.callingHours !== undefined) {
    const deployment = deploymentWindow(env);
    const h = update.callingHours;
    if (h && (clockMinutes(h.start) < deployment.start || clockMinutes(h.end) > deployment.end)) {
      throw new DomainError("INVALID_INPUT", `callingHours must lie within this deployment's calling hours ${clockOf(deployment.start)}-${clockOf(deployment.end)}`, { field: ["callingHours"] });
    }
    changes.callingHoursStart = h?.start ?? null;
    changes.callingHoursEnd = h?.end ?? null;
  }
  if (update.caps !== undefined || update.allowedPurposes !== undefined) {
    const next = { ...own };
    if (update.caps !== undefined) {
      if (update.caps === null || Object.keys(update.caps).length === 0) delete next.caps;
      else next.caps = update.caps;
    }
    if (update.allowedPurposes !== undefined) {
      if (update.allowedPurposes === null) delete next.allowedPurposes;
      else next.allowedPurposes = update.allowedPurposes;
    }
    changes.contactPolicy = next as typeof row.contactPolicy;
  }
  if (Object.keys(changes).length) await db.update(tables.tenants).set(changes).where(eq(tables.tenants.id, tenantId));
  return Object.keys(changes).length > 0;
}

function clockMinutes(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}
