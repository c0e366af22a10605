import { z } from "@hono/zod-openapi";
import { CONSENT_BASES, CONSENT_SCOPES } from "../policy/consent";
import { Purpose } from "../policy/purposes";
import { DEFER_REASONS, REASON_CODES, REFUSE_REASONS, ReasonCode } from "../policy/reasons";
import { TenantCallingHours, TenantCaps } from "../policy/tenant";
import { Pagination } from "./common";

// The contact policy on the wire: decisions on calls and texts, the dry run, a patient's contact
// history, the consent ledger, the do-not-call list and the tenant's own tightening.

export const POLICY_DECISIONS = ["allow", "defer", "refuse"] as const;

const reasonList = Object.entries(REASON_CODES)
  .map(([code, text]) => `\`${code}\`: ${text}`)
  .join(" ");

/** The contact policy's last word on a call or text. */
export const ContactPolicyDecision = z
  .object({
    decision: z.enum(POLICY_DECISIONS).openapi({ description: "`allow`: it may go now; `defer`: it waits until `until`; `refuse`: it is never made" }),
    reason: ReasonCode.nullable().openapi({ description: `The rule that decided (null when allowed). ${reasonList}` }),
    reasons: z.array(ReasonCode).openapi({ description: "Every rule that refused or deferred, in precedence order" }),
    until: z.string().nullable().openapi({ description: "Deferred: when the attempt may be made (ISO 8601)" }),
  })
  .openapi("ContactPolicyDecision");
export type ContactPolicyDecision = z.infer<typeof ContactPolicyDecision>;

const counts = <T extends readonly string[]>(codes: T) =>
  z.object(Object.fromEntries(codes.map((code) => [code, z.number().int()])) as Record<T[number], z.ZodNumber>);

export const DeferCounts = counts(DEFER_REASONS).openapi("DeferCounts");
export const RefuseCounts = counts(REFUSE_REASONS).openapi("RefuseCounts");

/** `POST /api/v1/calls/preview`: what the create request would do, computed, with nothing dialed or stored. */
export const CallPreview = z
  .object({
    evaluatedAt: z.string().openapi({ description: "The instant decided for: now, or the batch's `scheduledAt`" }),
    total: z.number().int(),
    purpose: Purpose,
    startNow: z.number().int().openapi({ description: "Allowed now, and a line is free: dialed at once" }),
    waitingForLine: z.number().int().openapi({ description: "Allowed now, but every line is busy: dialed in order as lines free up" }),
    deferred: z.object({
      total: z.number().int(),
      byReason: DeferCounts,
      earliest: z.string().nullable(),
      latest: z.string().nullable(),
    }),
    refused: z.object({ total: z.number().int(), byReason: RefuseCounts }),
    estimate: z
      .object({
        lines: z.number().int().openapi({ description: "The tenant's concurrency limit" }),
        busyLines: z.number().int().openapi({ description: "Lines on a call right now" }),
        queuedAhead: z.number().int().openapi({ description: "The tenant's calls already waiting, dialed before these" }),
        averageCallSeconds: z.number().int().openapi({ description: "Line time per call: the simulator agent's duration, else the tenant's average over its last 7 days of completed calls, else 120" }),
        firstDialAt: z.string().nullable(),
        lastDialAt: z.string().nullable(),
        finishesAt: z.string().nullable().openapi({ description: "When the last call that will be made should end; null when none will be" }),
      })
      .openapi({ description: "A simulation of the tenant's dispatcher: FIFO on its lines, each call inside its patient's calling window" }),
    calls: z.array(
      z.object({
        index: z.number().int(),
        patientId: z.string(),
        decision: z.enum(POLICY_DECISIONS),
        reason: ReasonCode.nullable(),
        reasons: z.array(ReasonCode),
        until: z.string().nullable(),
        dialAt: z.string().nullable().openapi({ description: "When the estimate dials it (null: refused)" }),
      }),
    ),
  })
  .openapi("CallPreview");
export type CallPreview = z.infer<typeof CallPreview>;

/** One call or text in a patient's contact history. */
export const PatientContact = z
  .object({
    channel: z.enum(["call", "sms"]),
    id: z.string(),
    at: z.string().openapi({ description: "When it was created" }),
    status: z.string().openapi({ description: "The call's lifecycle status, or the text's status" }),
    outcome: z.string().nullable().openapi({ description: "Calls: how it ended" }),
    purpose: Purpose.nullable(),
    policy: ContactPolicyDecision.nullable(),
    provider: z.string().nullable(),
    counted: z.boolean().openapi({ description: "It is among the contacts the caps count now (made through a real vendor in the last 7 days)" }),
  })
  .openapi("PatientContact");

export const ContactCounters = z
  .object({
    recent: z.array(
      z.object({ at: z.string(), channel: z.enum(["call", "sms"]), purpose: Purpose, subject: z.string().nullable(), id: z.string().nullable() }),
    ).openapi({ description: "The contacts the caps look at, oldest first (the stored counters row)" }),
    exempt: z.object({
      last24h: z.number().int(),
      perDay: z.number().int().openapi({ description: "The cap in force: 1 (47 CFR 64.1200(a)(9)(iv)) or the tenant's" }),
      last7d: z.number().int(),
      perWeek: z.number().int(),
    }),
    sameSubject: z.array(z.object({ subject: z.string(), last24h: z.number().int(), max: z.number().int().nullable() })).openapi({
      description: "Contacts per subject in the last 24 hours, and the state's cap for this patient (null: their state has none)",
    }),
    nextExemptContactAt: z.string().nullable().openapi({ description: "When the health-care exemption's caps next allow a contact (null: now)" }),
  })
  .openapi("ContactCounters");

export const PatientContacts = z
  .object({ patientId: z.string(), counters: ContactCounters, data: z.array(PatientContact), pagination: Pagination })
  .openapi("PatientContacts");

const isoPast = z.iso
  .datetime({ offset: true, error: "givenAt must be an ISO 8601 date-time" })
  .refine((value) => Date.parse(value) <= Date.now() + 60_000, "givenAt cannot be in the future");

/** A grant of consent to record in the ledger. */
export const ConsentRecordCreate = z
  .strictObject({
    basis: z.enum(CONSENT_BASES, { error: `basis must be one of ${CONSENT_BASES.join(", ")}` }),
    source: z.string().trim().min(1, "source is required").max(200).openapi({ example: "intake_form" }),
    evidence: z
      .string()
      .trim()
      .min(1, "evidence is required")
      .max(2_000)
      .openapi({ description: "Where the proof is kept: a form id, a signed document's URL, a recording", example: "form-8812" }),
    scope: z
      .array(z.enum(CONSENT_SCOPES, { error: "scope entries must be calls or texts" }), "scope must be an array")
      .min(1, "scope must name calls, texts or both")
      .refine((scope) => new Set(scope).size === scope.length, "scope must not repeat an entry"),
    givenAt: isoPast.optional().openapi({ description: "When the patient gave it; now when left out" }),
  })
  .openapi("ConsentRecordCreate");
export type ConsentRecordCreate = z.infer<typeof ConsentRecordCreate>;

export const ConsentLedgerEntry = z
  .object({
    id: z.string(),
    phoneNumber: z.string(),
    basis: z.enum(CONSENT_BASES),
    source: z.string(),
    evidence: z.string(),
    scope: z.array(z.enum(CONSENT_SCOPES)),
    givenAt: z.string(),
    recordedAt: z.string(),
    withdrawnAt: z.string().nullable(),
    current: z.boolean().openapi({ description: "It counts now: for the patient's current number and not withdrawn" }),
  })
  .openapi("ConsentLedgerEntry");

/** Revocation by any reasonable means (FCC 24-24): a spoken request, a letter, an email. */
export const ConsentRevoke = z
  .strictObject({
    source: z.enum(["spoken", "letter", "email", "in_person", "other"], { error: "source must be one of spoken, letter, email, in_person, other" }),
  })
  .openapi("ConsentRevoke");

/** Ends an opt-out on the patient's own word (they asked to be contacted again), saying how they said so. */
export const ConsentRestore = z
  .strictObject({
    source: z.enum(["spoken", "letter", "email", "in_person", "other"], { error: "source must be one of spoken, letter, email, in_person, other" }),
  })
  .openapi("ConsentRestore");

export const DoNotCallEntry = z
  .object({ phoneNumber: z.string(), note: z.string().nullable(), source: z.string(), addedAt: z.string() })
  .openapi("DoNotCallEntry");

/** Most numbers one import may carry. */
export const MAX_DNC_IMPORT = 5_000;

export const DoNotCallImport = z
  .strictObject({
    numbers: z
      .array(
        z.union([
          z.string().max(40),
          z.strictObject({ phoneNumber: z.string().max(40), note: z.string().max(500).nullish() }),
        ], { error: "each entry must be a phone number or { phoneNumber, note }" }),
        "numbers must be an array",
      )
      .min(1, "numbers must contain at least one number")
      .max(MAX_DNC_IMPORT, `numbers may contain at most ${MAX_DNC_IMPORT} numbers per request`),
  })
  .openapi("DoNotCallImport");

export const DoNotCallImportResult = z
  .object({
    added: z.number().int(),
    alreadyListed: z.number().int(),
    total: z.number().int().openapi({ description: "Numbers on the list after the import" }),
  })
  .openapi("DoNotCallImportResult");

export const DoNotCallList = z.object({ data: z.array(DoNotCallEntry), pagination: Pagination }).openapi("DoNotCallList");

/** The tenant's own tightening of the policy; each field replaces what is stored, `null` removes it. */
export const ContactPolicyUpdate = z
  .strictObject({
    callingHours: TenantCallingHours.nullable().optional(),
    caps: TenantCaps.nullable().optional(),
    allowedPurposes: z.array(Purpose).min(1, "allowedPurposes must name at least one purpose").nullable().optional(),
  })
  .openapi("ContactPolicyUpdate");
export type ContactPolicyUpdate = z.infer<typeof ContactPolicyUpdate>;

const hours = z.object({ start: z.string(), end: z.string() });

export const ContactPolicySettings = z
  .object({
    federalHours: hours.openapi({ description: "47 CFR 64.1200(c)(1), local to the patient" }),
    deploymentHours: hours.openapi({ description: "This deployment's legal bound (`CALLING_HOURS`), inside the federal hours" }),
    callingHours: hours.nullable().openapi({ description: "The tenant's narrower hours; null: the deployment's" }),
    caps: z.object({
      exemptPerDay: z.number().int(),
      exemptPerWeek: z.number().int(),
      sameSubjectPer24h: z.number().int().nullable().openapi({ description: "The tenant's lowering of the states' same-subject caps; null: the states' own" }),
    }),
    allowedPurposes: z.array(Purpose).nullable(),
    purposes: z.array(z.object({ purpose: Purpose, exempt: z.boolean(), consent: z.enum(["none", "prior_express_consent", "prior_express_written_consent"]) })),
    states: z.array(
      z.object({ state: z.string(), hours: hours.nullable(), sameSubjectPer24h: z.number().int().nullable(), citation: z.string() }),
    ),
    unknownState: z.object({ hours: hours.nullable(), sameSubjectPer24h: z.number().int().nullable() }).openapi({ description: "Applied to patients without a state: the strictest of the table" }),
    reasons: z.array(z.object({ code: ReasonCode, outcome: z.enum(["defer", "refuse"]), description: z.string() })),
    devWideWindow: z.boolean().openapi({ description: "Local development: simulator calls ignore the hours (never a real vendor)" }),
  })
  .openapi("ContactPolicySettings");

export const CampaignPauseResponse = z
  .object({
    batchId: z.string(),
    paused: z.boolean(),
    changed: z.boolean().openapi({ description: "False when the campaign already was as asked" }),
    live: z.number().int().openapi({ description: "Calls on the line: they are left to finish" }),
    message: z.string(),
  })
  .openapi("CampaignPauseResponse");
