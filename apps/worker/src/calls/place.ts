import { and, asc, desc, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { tables, type CallCreate, type CallStatus, type PolicyDecision, type RefuseReason } from "@switchboard/schemas";
import { auditStatements } from "../audit/record";
import { decisionOf, policyColumns, refusalMessage } from "../contact-policy/decide";
import { endpointsWoken, eventStatements, wakeAll, type EventToEmit } from "../customer-webhooks/emit";
import { DomainError } from "../errors";
import { commitKeyStatements } from "../idempotency/store";
import { d1Statement, jsonInserts } from "../lib/db";
import { errorSummary } from "../lib/log-safe";
import { iso } from "../lib/time";
import { tenantDispatcher } from "../objects/stubs";
import type { Scope } from "../scope";
import { decideBatch, problem, readBatch, type BatchInput } from "./batch";
import { getCallView, type CallView } from "./read-model";

export interface PlaceOptions {
  /**
   * Contact-policy refusals that fail the whole request (a DomainError `CONTACT_REFUSED`) instead
   * of being recorded as calls ending `canceled` with outcome `refused`. /api/v1 records them all
   * (the batch's progress counts them by reason); surfaces whose published API refuses such calls
   * name the reasons they refuse.
   */
  refuse?: (reason: RefuseReason) => boolean;
  /** Rows to write in the same atomic batch as the calls, e.g. a surface's per-call options. */
  alongside?: (calls: readonly { id: string; patientId: string; policy: PolicyDecision | null }[]) => BatchItem<"sqlite">[];
  /** Place the calls on this provider of the agent's rather than its first (the /comms surface names one). */
  provider?: string;
  /**
   * Answer only once the calls given a line have been started (dialed, or deferred or refused by
   * the call object), with the status each start left: for a surface whose answer shows the
   * started call (its vendor id). Otherwise (/api/v1) the answer comes right after the lines are
   * granted: those calls answer `initiating` and are started on the dispatcher's alarm moments later.
   */
  wait?: boolean;
}

export interface PlacedBatch {
  batchId: string;
  scheduledAt: number | null;
  /**
   * Each call as it stands once placed: `queued` while it waits for a line (or the time the contact
   * policy set), `scheduled` until its time, `canceled` when the policy refused it; with the
   * policy's decision (null for scheduled calls: they are decided when released and dialed).
   */
  calls: { callId: string; status: CallStatus; policy: PolicyDecision | null }[];
}

/**
 * Places calls: the one way every surface does it. Validates the request against the tenant's
 * agent and patients, decides the contact policy for each call placed for now, then writes in one
 * atomic D1 batch the campaign, its calls and their first history rows (with each decision), their
 * `call.created` audit rows, their `call.created` (and `call.deferred` or `call.refused`) webhook
 * events (an outbox: nothing is announced that was not created, nothing created goes unannounced)
 * and, under an Idempotency-Key, the key's outcome; then hands the calls that may be dialed to the
 * tenant's dispatcher, which grants as many lines as free lines and calling hours allow and starts
 * those calls on its alarm (or before answering, with `wait`). The call object
 * decides the policy again right before it dials: this decision says what to expect, that one is
 * the law.
 *
 * A request whose key already committed a batch (a retry after a failure later in the first
 * request) places nothing: it is answered from that batch.
 */
export async function placeCalls(scope: Scope, request: CallCreate, options: PlaceOptions = {}): Promise<PlacedBatch> {
  const committed = scope.idempotency?.committedBatchId;
  if (committed) return committedBatch(scope, committed);
  const batch = await createBatch(scope, request, Date.now(), options);
  await wakeAll(scope.env, batch.endpointsToWake);
  const calls = batch.scheduledAt === null ? await dispatch(scope, batch, options.wait ?? false) : batch.calls;
  return { batchId: batch.batchId, scheduledAt: batch.scheduledAt, calls: calls.map(({ callId, status, policy }) => ({ callId, status, policy })) };
}

/** One call (a one-call batch), read back for a surface to translate. */
export async function placeOneCall(scope: Scope, request: CallCreate, options: PlaceOptions = {}): Promise<CallView> {
  const batch = await placeCalls(scope, request, options);
  const view = await getCallView(scope.db, scope.tenantId, batch.calls[0]!.callId);
  if (!view) throw new Error("call vanished after creation");
  return view;
}

/**
 * The batch an earlier request with this Idempotency-Key placed, as placing it answered (its calls
 * in request order, as they stand now, with the decisions stored on them). Nothing is placed or
 * dispatched: a batch whose hand-over to the dispatcher failed is handed over by the cron.
 */
async function committedBatch(scope: Scope, batchId: string): Promise<PlacedBatch> {
  const { campaigns, calls } = tables;
  const [[campaign], rows] = await scope.db.batch([
    scope.db.select({ scheduledAt: campaigns.scheduledAt }).from(campaigns).where(and(eq(campaigns.id, batchId), eq(campaigns.tenantId, scope.tenantId))),
    scope.db
      .select({
        callId: calls.id,
        status: calls.status,
        policyDecision: calls.policyDecision,
        policyReason: calls.policyReason,
        policyReasons: calls.policyReasons,
        policyUntil: calls.policyUntil,
      })
      .from(calls)
      .where(and(eq(calls.campaignId, batchId), eq(calls.tenantId, scope.tenantId)))
      // created_at counts down in request order (see createBatch).
      .orderBy(desc(calls.createdAt), asc(calls.id)),
  ]);
  if (!campaign) throw new Error("an Idempotency-Key names a batch that does not exist");
  return { batchId, scheduledAt: campaign.scheduledAt, calls: rows.map((row) => ({ callId: row.callId, status: row.status, policy: decisionOf(row) })) };
}

interface CreatedBatch {
  batchId: string;
  calls: {
    callId: string;
    patientId: string;
    status: CallStatus;
    policy: PolicyDecision | null;
    /** Where the patient is and who dials, for the dispatcher's calling hours. */
    timezone: string | null;
    state: string | null;
  }[];
  scheduledAt: number | null;
  /** The provider as the policy sees it (the simulator only when the call can reach no one). */
  provider: string;
  purpose: string;
  /** Webhook endpoints that got deliveries for the batch's events. */
  endpointsToWake: string[];
  /** The tenant's line limit and policy as read for this batch (handed to its dispatcher). */
  tenant: BatchInput["tenant"];
}

/** Validates, decides, then writes the campaign, its calls, their first history rows, audit rows and events (json_each: a few statements for any size). */
async function createBatch(scope: Scope, body: CallCreate, now: number, options: PlaceOptions): Promise<CreatedBatch> {
  const { db, tenantId } = scope;
  const scheduledAt = body.scheduledAt === undefined ? null : Date.parse(body.scheduledAt);
  if (scheduledAt !== null && scheduledAt <= now) {
    throw new DomainError("INVALID_INPUT", "scheduledAt must be a valid future ISO 8601 date", { field: ["scheduledAt"] });
  }
  const input = await readBatch(scope, body, options);
  // Calls placed for now are decided now; scheduled ones when they are released and dialed.
  const decisions = scheduledAt === null ? decideBatch(input, body, now) : body.patients.map(() => null);
  refuseWhereAsked(body, decisions, options);

  const batchId = crypto.randomUUID();
  const { agent } = input;
  const provider = options.provider ?? agent.provider;
  const callRows: (typeof tables.calls.$inferInsert)[] = body.patients.map((p, i) => {
    const decision = decisions[i]!;
    const refused = decision?.kind === "refuse";
    return {
      id: crypto.randomUUID(),
      tenantId,
      campaignId: batchId,
      agentId: agent.id,
      patientId: p.patientId,
      patient: input.patients.get(p.patientId)!,
      phoneNumber: input.facts.get(p.patientId)!.phoneNumber!,
      // Calls placed for now wait in the tenant's queue until the dispatcher gives them a line; refused ones are never dialed.
      status: refused ? "canceled" : scheduledAt === null ? "queued" : "scheduled",
      outcome: refused ? "refused" : null,
      provider,
      providerCallId: null,
      reason: body.reason ?? null,
      purpose: input.purpose,
      subject: body.subject ?? null,
      ...(decision ? policyColumns(decision) : {}),
      recording: body.recording,
      clientMetadata: p.extended ?? null,
      finalReport: null,
      transcript: null,
      scheduledAt,
      // One millisecond apart keeps a batch's calls in request order when listed newest first: the
      // first patient gets the latest time (`now + i` listed them in reverse request order).
      createdAt: now + (body.patients.length - 1 - i),
      startedAt: null,
      endedAt: refused ? now : null,
      updatedAt: now,
    };
  });
  const eventRows: (typeof tables.callEvents.$inferInsert)[] = callRows.flatMap((c, i) => {
    const decision = decisions[i]!;
    const created = { callId: c.id!, tenantId, seq: 0, type: "created", fromStatus: null, toStatus: c.status!, detail: { batchId }, at: now };
    if (decision?.kind === "refuse") {
      return [{ ...created, detail: { batchId, outcome: "refused", reason: decision.reason } }, policyEvent(c.id!, tenantId, decision, now)];
    }
    return decision?.kind === "defer" ? [created, policyEvent(c.id!, tenantId, decision, now)] : [created];
  });

  const campaignRow: typeof tables.campaigns.$inferInsert = {
    id: batchId,
    tenantId,
    agentId: agent.id,
    name: body.name ?? null,
    description: body.description ?? null,
    reason: body.reason ?? null,
    recording: body.recording,
    scheduledAt,
    // `releasing` until the dispatcher has taken its calls (the cron retries a hand-over that failed).
    status: scheduledAt === null ? "releasing" : "scheduled",
    createdAt: now,
  };
  const alongside = options.alongside?.(callRows.map((c, i) => ({ id: c.id!, patientId: c.patientId!, policy: decisions[i]! }))) ?? [];
  const d1 = db.$client;
  const callIds = callRows.map((c) => c.id!);
  const events = createdEvents(batchId, agent.id, scheduledAt, input.purpose, callRows, decisions);
  const outbox = await eventStatements(d1, tenantId, events, now);
  // D1 applies a batch atomically: the campaign, all its calls, their audit rows and events, and the
  // Idempotency-Key's outcome exist together, or none do.
  const statements = [
    ...(scope.idempotency ? commitKeyStatements(d1, scope.idempotency, batchId) : []),
    d1Statement(d1, db.insert(tables.campaigns).values(campaignRow)),
    ...jsonInserts(d1, tables.calls, callRows),
    ...jsonInserts(d1, tables.callEvents, eventRows),
    ...alongside.map((q) => d1Statement(d1, q as unknown as Parameters<typeof d1Statement>[1])),
    ...auditStatements(d1, { tenantId, actor: scope.actor, requestId: scope.requestId }, "call.created", callIds, { batchId }, { at: now }),
    // The tenant's call count, which list pages answer their total from (a trigger lowers it on delete).
    d1.prepare("UPDATE tenants SET calls_count = calls_count + ? WHERE id = ?").bind(callRows.length, tenantId),
    ...outbox.events,
    ...outbox.deliveries,
  ];
  const results = await d1.batch(statements);

  return {
    batchId,
    calls: callRows.map((c, i) => {
      const facts = input.facts.get(c.patientId!)!;
      return { callId: c.id!, patientId: c.patientId!, status: c.status!, policy: decisions[i]!, timezone: facts.timeZone, state: facts.state };
    }),
    scheduledAt,
    provider: input.attempt.provider,
    purpose: input.purpose,
    tenant: input.tenant,
    endpointsToWake: endpointsWoken(results.slice(statements.length - outbox.deliveries.length)),
  };
}

/** The second history row of a call the policy deferred or refused at creation. */
function policyEvent(callId: string, tenantId: string, decision: Exclude<PolicyDecision, { kind: "allow" }>, now: number): typeof tables.callEvents.$inferInsert {
  const detail =
    decision.kind === "defer"
      ? { reason: decision.reason, reasons: decision.reasons, until: iso(decision.until), attempt: 1 }
      : { reason: decision.reason, reasons: decision.reasons, attempt: 1 };
  return { callId, tenantId, seq: 1, type: `policy.${decision.kind === "defer" ? "deferred" : "refused"}`, fromStatus: null, toStatus: null, detail, at: now };
}

/** Fails the request for the refusals the surface asked to refuse rather than record, naming the patients. */
function refuseWhereAsked(body: CallCreate, decisions: (PolicyDecision | null)[], options: PlaceOptions) {
  if (!options.refuse) return;
  const refused = decisions.flatMap((d, index) => (d?.kind === "refuse" && options.refuse!(d.reason) ? [{ d, index }] : []));
  if (!refused.length) return;
  const first = refused[0]!.d as Extract<PolicyDecision, { kind: "refuse" }>;
  throw new DomainError("CONTACT_REFUSED", refusalMessage(first.reason, "call"), {
    policy: { reason: first.reason, reasons: first.reasons },
    patients: refused.map(({ d, index }) =>
      problem(index, body.patients[index]!, "patientId", `the contact policy refuses this call: ${(d as { reason: string }).reason}`, "A patient the contact policy allows calling", body.patients[index]!.patientId),
    ),
  });
}

/**
 * `call.created` for each call of a new batch, and `call.deferred` / `call.refused` for the policy's
 * decisions at creation (the create request writes their first history rows itself, so the call
 * objects never see them).
 */
function createdEvents(
  batchId: string,
  agentId: string,
  scheduledAt: number | null,
  purpose: string,
  calls: readonly (typeof tables.calls.$inferInsert)[],
  decisions: readonly (PolicyDecision | null)[],
): EventToEmit[] {
  return calls.flatMap((call, i): EventToEmit[] => {
    // No key: announced once, by the atomic batch that creates the call (a retry under the same
    // Idempotency-Key answers from that batch and writes nothing), so the id need not be derived
    // from a key, and a 1,000-call batch makes no 1,000 hashes.
    const created: EventToEmit = {
      type: "call.created",
      data: { call_id: call.id, batch_id: batchId, agent_id: agentId, patient_id: call.patientId, status: call.status, scheduled_at: iso(scheduledAt) },
    };
    const decision = decisions[i];
    if (!decision || decision.kind === "allow") return [created];
    // Keyed as the call object keys its own decisions (call id, history seq, type).
    const common = { call_id: call.id, batch_id: batchId, purpose, reason: decision.reason, reasons: decision.reasons, attempt: 1 };
    return decision.kind === "defer"
      ? [created, { type: "call.deferred", key: `call:${call.id}:1:call.deferred`, data: { ...common, until: iso(decision.until) } }]
      : [created, { type: "call.refused", key: `call:${call.id}:1:call.refused`, data: common }];
  });
}

/**
 * Hands a batch placed for now to the tenant's dispatcher (which marks the campaign released once it
 * holds the calls). Returns each call's status: `queued` for those still waiting, `initiating` for
 * those given a line (with `wait`, the status their start left them in). If the dispatcher
 * cannot be reached, the calls stay queued and the campaign `releasing`: the cron hands it over
 * within a couple of minutes.
 */
async function dispatch(scope: Scope, batch: CreatedBatch, wait: boolean): Promise<CreatedBatch["calls"]> {
  let started: Record<string, CallStatus | null> = {};
  try {
    started = await tenantDispatcher(scope.env, scope.tenantId).enqueue(
      scope.tenantId,
      batch.batchId,
      // Calls the policy refused at creation are never dialed; deferred ones wait in line until their time.
      batch.calls
        .filter((c) => c.status === "queued")
        .map((c) => ({
          callId: c.callId,
          campaignId: batch.batchId,
          timezone: c.timezone,
          state: c.state,
          provider: batch.provider,
          notBefore: c.policy?.kind === "defer" ? c.policy.until : null,
        })),
      { wait, tenant: batch.tenant },
    );
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "dispatch failed; the cron will hand the batch over", batchId: batch.batchId, error: errorSummary(error) }));
  }
  return batch.calls.map((c) => ({ ...c, status: started[c.callId] ?? c.status }));
}
