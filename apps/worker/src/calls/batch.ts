import { and, eq } from "drizzle-orm";
import { agentPurpose, Purpose, tables, type CallCreate, type CallPatient, type PolicyDecision } from "@switchboard/schemas";
import { decide, policyProvider, type Attempt } from "../contact-policy/decide";
import { devWideWindow } from "../contact-policy/deployment";
import { factsByPatient, PATIENT_FACTS_SQL, type PatientFacts, type PatientFactsRow } from "../contact-policy/facts";
import { tenantPolicyOf, type TenantPolicy, type TenantPolicyRow } from "../contact-policy/tenant";
import { DomainError, type PatientProblem } from "../errors";
import type { Scope } from "../scope";
import { agentProviderRefs, configuredVendors, providerProblems, startingWith } from "../voice/adapters";

export type AgentRow = typeof tables.agents.$inferSelect;

/** A create request checked against the tenant's data, with what the contact policy needs for each patient. */
export interface BatchInput {
  agent: AgentRow;
  tenant: TenantPolicy & { concurrencyLimit: number };
  /** The facts of each requested patient (all exist and have a phone number). */
  facts: Map<string, PatientFacts>;
  /** Each requested patient as its calls embed it (calls.patient), from the same read as the facts. */
  patients: Map<string, CallPatient>;
  purpose: Purpose;
  /** What every call of the batch is, as the policy sees it, but for its time. */
  attempt: Omit<Attempt, "now">;
}

/**
 * Reads and checks what a create request names: the agent, the tenant's vendors, the patients with
 * their policy facts and contact counters, the tenant's policy. Two D1 batches, sent at once.
 * Throws what the request cannot be placed for (unknown agent or patients, missing numbers,
 * unconfigured vendors), as every surface's create does.
 */
export async function readBatch(scope: Scope, body: CallCreate, options: { provider?: string | undefined } = {}): Promise<BatchInput> {
  const { db, tenantId, env } = scope;
  const ids = JSON.stringify([...new Set(body.patients.map((p) => p.patientId))]);
  const { agents } = tables;
  const [[[agent], vendors], [factsResult, tenantResult]] = await Promise.all([
    db.batch([db.select().from(agents).where(and(eq(agents.id, body.agentId), eq(agents.tenantId, tenantId))), configuredVendors(db, tenantId)]),
    // One bound parameter carries every id (D1 allows 100 parameters per statement, not 100 values).
    db.$client.batch<unknown>([
      db.$client.prepare(PATIENT_FACTS_SQL).bind(tenantId, ids),
      db.$client.prepare("SELECT timezone, calling_hours_start, calling_hours_end, contact_policy, concurrency_limit FROM tenants WHERE id = ?").bind(tenantId),
    ]),
  ]);
  if (!agent) throw new DomainError("AGENT_NOT_FOUND", "Agent not found");
  // A vendor the tenant has not configured is refused now, not discovered as a failed call later.
  const refs = agentProviderRefs(agent.provider, agent.settings);
  const providerProblem = providerProblems(refs, vendors);
  if (providerProblem) throw new DomainError("PROVIDER_NOT_CONFIGURED", providerProblem);

  const factsRows = factsResult!.results as PatientFactsRow[];
  const facts = factsByPatient(factsRows);
  const patients = new Map(factsRows.map((r) => [r.patient_id, callPatientOf(r)]));
  const unknown: PatientProblem[] = [];
  const missingPhone: PatientProblem[] = [];
  body.patients.forEach((p, index) => {
    const patient = facts.get(p.patientId);
    if (!patient) {
      unknown.push(problem(index, p, "patientId", "patient not found", "The id of an existing patient of your organization", p.patientId));
    } else if (!patient.phoneNumber) {
      missingPhone.push(problem(index, p, "phoneNumber", "patient has no phone number", "E.164 phone number on the patient record (e.g., +15555551234)", null));
    }
  });
  if (unknown.length) throw new DomainError("PATIENTS_INVALID", "Validation failed for one or more patients", { patients: unknown });
  if (missingPhone.length) {
    const missing = missingPhone.map((e) => String(e.patientId));
    throw new DomainError("PATIENTS_INVALID", `Patients missing phone numbers: ${missing.join(", ")}`, { patients: missingPhone, missingPhoneNumbers: missing });
  }

  const tenantRow = tenantResult!.results[0] as (TenantPolicyRow & { concurrency_limit: number }) | undefined;
  if (!tenantRow) throw new Error("the tenant of an authenticated request is gone");
  const settings = agent.settings as Record<string, unknown>;
  const purpose = body.purpose ?? agentPurpose(settings);
  const allowed = Purpose.array().safeParse(settings.allowedPurposes);
  const providers = startingWith(refs, options.provider ?? agent.provider).map((r) => r.provider);
  return {
    agent,
    tenant: { ...tenantPolicyOf(tenantRow, env), concurrencyLimit: Math.max(1, tenantRow.concurrency_limit) },
    facts,
    patients,
    purpose,
    attempt: {
      channel: "call",
      purpose,
      subject: body.subject ?? null,
      provider: policyProvider(providers),
      agentPurposes: allowed.success ? allowed.data : null,
      devWideWindow: devWideWindow(env),
    },
  };
}

/** A patient as its calls embed it (calls.patient; triggers on `patients` keep it current from then on). */
function callPatientOf(row: PatientFactsRow): CallPatient {
  return {
    id: row.patient_id,
    firstName: row.first_name ?? "",
    lastName: row.last_name ?? "",
    birthDate: row.birth_date ?? null,
    email: row.email ?? null,
    phoneNumber: row.phone_number,
  };
}

/** The policy's decision on each requested patient (in request order) at `now`. */
export function decideBatch(input: BatchInput, body: CallCreate, now: number): PolicyDecision[] {
  return body.patients.map((p) => decide({ ...input.attempt, now }, input.facts.get(p.patientId)!, input.tenant));
}

export function problem(index: number, requested: CallCreate["patients"][number], field: string, message: string, expectedFormat: string, receivedValue: unknown): PatientProblem {
  return { index, patientId: requested.patientId, failedObject: requested, errors: [{ field, message, expectedFormat, receivedValue }] };
}
