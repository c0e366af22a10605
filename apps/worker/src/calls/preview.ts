import { DEFER_REASONS, REFUSE_REASONS, type CallCreate, type CallPreview, type DeferReason, type PolicyDecision, type RefuseReason } from "@switchboard/schemas";
import { decideHours } from "../contact-policy/decide";
import { DomainError } from "../errors";
import { iso } from "../lib/time";
import { tenantDispatcher } from "../objects/stubs";
import type { Scope } from "../scope";
import { decideBatch, readBatch, type BatchInput } from "./batch";

/** Line time per call when neither the agent nor the tenant's history says. */
const DEFAULT_CALL_SECONDS = 120;
const WEEK_MS = 7 * 24 * 3600_000;

/**
 * The dry run of `POST /api/v1/calls`: the same checks, the contact policy decided for every
 * patient (at `scheduledAt`, or now), and an estimate of when each call would be dialed and the
 * batch would finish on the tenant's lines, from a simulation of its dispatcher. Nothing is
 * dialed or stored.
 */
export async function previewCalls(scope: Scope, body: CallCreate, options: { provider?: string } = {}): Promise<CallPreview> {
  const now = Date.now();
  const at = body.scheduledAt === undefined ? now : Date.parse(body.scheduledAt);
  if (at < now) throw new DomainError("INVALID_INPUT", "scheduledAt must be a valid future ISO 8601 date", { field: ["scheduledAt"] });
  const input = await readBatch(scope, body, options);
  const decisions = decideBatch(input, body, at);
  const [load, averageMs] = await Promise.all([
    tenantDispatcher(scope.env, scope.tenantId).stats(""),
    averageCallMs(scope, input),
  ]);
  const dialAt = simulate(input, body, decisions, at, { lines: input.tenant.concurrencyLimit, busy: load.live, ahead: load.waiting, averageMs });

  const deferred = Object.fromEntries(DEFER_REASONS.map((r) => [r, 0])) as Record<DeferReason, number>;
  const refused = Object.fromEntries(REFUSE_REASONS.map((r) => [r, 0])) as Record<RefuseReason, number>;
  const untils: number[] = [];
  for (const d of decisions) {
    if (d.kind === "defer") {
      deferred[d.reason] += 1;
      untils.push(d.until);
    } else if (d.kind === "refuse") refused[d.reason] += 1;
  }
  const allowed = decisions.map((d, i) => ({ d, i })).filter(({ d }) => d.kind === "allow");
  const dialed = dialAt.filter((t): t is number => t !== null);
  return {
    evaluatedAt: iso(at),
    total: decisions.length,
    purpose: input.purpose,
    startNow: allowed.filter(({ i }) => dialAt[i] === at).length,
    waitingForLine: allowed.filter(({ i }) => dialAt[i] !== at).length,
    deferred: { total: untils.length, byReason: deferred, earliest: untils.length ? iso(Math.min(...untils)) : null, latest: untils.length ? iso(Math.max(...untils)) : null },
    refused: { total: decisions.length - allowed.length - untils.length, byReason: refused },
    estimate: {
      lines: input.tenant.concurrencyLimit,
      busyLines: Math.min(load.live, input.tenant.concurrencyLimit),
      queuedAhead: load.waiting,
      averageCallSeconds: Math.round(averageMs / 1000),
      firstDialAt: dialed.length ? iso(Math.min(...dialed)) : null,
      lastDialAt: dialed.length ? iso(Math.max(...dialed)) : null,
      finishesAt: dialed.length ? iso(Math.max(...dialed) + averageMs) : null,
    },
    calls: body.patients.map((p, index) => {
      const d = decisions[index]!;
      return {
        index,
        patientId: p.patientId,
        decision: d.kind,
        reason: d.kind === "allow" ? null : d.reason,
        reasons: d.reasons,
        until: d.kind === "defer" ? iso(d.until) : null,
        dialAt: iso(dialAt[index] ?? null),
      };
    }),
  };
}

/** The simulator agent's own duration; else the tenant's mean line time over its last week of completed calls; else a default. */
async function averageCallMs(scope: Scope, input: BatchInput): Promise<number> {
  const simulator = (input.agent.settings as { simulator?: { durationMs?: number } }).simulator;
  if (input.attempt.provider === "simulator") return Math.max(1000, simulator?.durationMs ?? 10_000);
  const row = await scope.db.$client.prepare(
    "SELECT avg(ended_at - started_at) AS ms FROM calls WHERE tenant_id = ? AND ended_at > ? AND status = 'completed' AND started_at IS NOT NULL",
  )
    .bind(scope.tenantId, Date.now() - WEEK_MS)
    .first<{ ms: number | null }>();
  return row?.ms && row.ms > 0 ? row.ms : DEFAULT_CALL_SECONDS * 1000;
}

interface Load {
  lines: number;
  busy: number;
  ahead: number;
  averageMs: number;
}

/**
 * When each call would be dialed (null: never, it is refused), as the tenant's dispatcher would:
 * lines free up one call's time after they were taken; a free line goes to the first call in
 * request order that may be dialed then; a call whose patient's calling hours have closed by the
 * time a line frees waits for them to open again. Calls already waiting go first.
 */
function simulate(input: BatchInput, body: CallCreate, decisions: PolicyDecision[], at: number, load: Load): (number | null)[] {
  const lines = new MinHeap<number>((a, b) => a - b);
  for (let i = 0; i < load.lines; i++) lines.push(i < load.busy ? at + load.averageMs : at);
  // The queue ahead of this batch: each takes a line for a call's time.
  for (let i = 0; i < load.ahead; i++) lines.push(lines.pop()! + load.averageMs);

  const dialAt: (number | null)[] = decisions.map(() => null);
  const notBefore = decisions.map((d) => (d.kind === "defer" ? d.until : at));
  const pending = decisions.map((d, i) => i).filter((i) => decisions[i]!.kind !== "refuse").sort((a, b) => notBefore[a]! - notBefore[b]! || a - b);
  const eligible = new MinHeap<number>((a, b) => a - b);
  let next = 0;
  let steps = 0;
  while ((next < pending.length || eligible.size > 0) && steps++ < 20 * (pending.length + 1)) {
    let free = lines.pop()!;
    if (eligible.size === 0) free = Math.max(free, notBefore[pending[next]!]!);
    while (next < pending.length && notBefore[pending[next]!]! <= free) eligible.push(pending[next++]!);
    const index = eligible.pop()!;
    const facts = input.facts.get(body.patients[index]!.patientId)!;
    const hours = decideHours(free, { timeZone: facts.timeZone, state: facts.state }, input.attempt.provider, input.tenant, input.attempt.devWideWindow);
    if (hours.kind === "refuse") {
      lines.push(free);
      continue;
    }
    if (hours.kind === "defer") {
      // Its window closed while it waited for a line: back in line for the next opening.
      notBefore[index] = hours.until;
      insertSorted(pending, next, index, notBefore);
      lines.push(free);
      continue;
    }
    dialAt[index] = free;
    lines.push(free + load.averageMs);
  }
  return dialAt;
}

/** Puts `index` back among the not-yet-eligible calls (from `from` on), in (time, request order). */
function insertSorted(pending: number[], from: number, index: number, notBefore: number[]) {
  let at = from;
  while (at < pending.length && (notBefore[pending[at]!]! < notBefore[index]! || (notBefore[pending[at]!] === notBefore[index] && pending[at]! < index))) at++;
  pending.splice(at, 0, index);
}

class MinHeap<T> {
  private items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => number) {}
  get size() {
    return this.items.length;
  }
  push(item: T) {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(items[l]!, items[m]!) < 0) m = l;
        if (r < items.length && this.less(items[r]!, items[m]!) < 0) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }
}
