/*
 * Fault injection, for the fault-injection tests and `pnpm soak`: a D1 that fails on cue, a
 * simulator that stalls, answers 5xx or repeats itself, a call object that restarts mid-placement.
 *
 * Inert outside `test` and `development`: `withFaults` hands production its bindings untouched and
 * `injectedFault` answers null there whatever rules are set, so no production path ever consults
 * the rules (test/faults/seam.test.ts proves it). Rules live in this isolate's memory: a test sets
 * them in-isolate, the soak through the development-only `PUT /admin/faults`.
 */

/** Where a fault can be injected. */
export type FaultSite =
  /** A D1 statement or batch; `match` is a substring of the SQL (of any statement in a batch). */
  | "d1"
  /** The built-in simulator answering a dial; `match` is the call id. */
  | "simulator"
  /** The call object, right after its vendor accepted the call and before that is recorded; `match` is the call id. */
  | "call.restart.placing"
  /** The call object, right after a transition reached D1; `match` is the call id. */
  | "call.restart.committed"
  /** A call's effects (giving its line back) failing, e.g. the dispatcher unreachable; `match` is the call id. */
  | "call.effects";

export type FaultEffect =
  /** d1: the statement (or batch) fails before it runs. */
  | "error"
  /** d1: the statement (or batch) runs and commits, then the caller sees an error (a lost answer). */
  | "error-after"
  /** simulator: answers after `ms` (a slow or stalled vendor). */
  | "stall"
  /** simulator: refuses with an HTTP 503 (nothing dialed). */
  | "status-5xx"
  /** simulator: every scripted event is delivered twice. */
  | "duplicate"
  /** simulator: scripted events arrive out of order. */
  | "reorder"
  /** call.*: the object is reset (in-memory state lost, storage kept), as a deploy or eviction would. */
  | "restart";

export interface FaultRule {
  site: FaultSite;
  effect: FaultEffect;
  match?: string | undefined;
  /** Chance per occasion, 0 to 1; 1 when absent. */
  probability?: number | undefined;
  /** Occasions it fires on at most; unlimited when absent. */
  times?: number | undefined;
  /** stall: how long, in ms. */
  ms?: number | undefined;
}

interface ActiveRule extends FaultRule {
  fired: number;
}

let rules: ActiveRule[] = [];
/** Dials the simulator received, by `callId#attempt`: counted on the vendor's side, not from our rows. */
const dials = new Map<string, number>();

type FaultEnv = { ENVIRONMENT?: string | undefined };

/** Whether this deployment may inject faults at all: only test and development ever do. */
export function faultsAllowed(env: FaultEnv): boolean {
  return env.ENVIRONMENT === "test" || env.ENVIRONMENT === "development";
}

/** Replaces the rules (an empty list turns every fault off). */
export function setFaults(next: readonly FaultRule[]) {
  rules = next.map((rule) => ({ ...rule, fired: 0 }));
}

export function clearFaults() {
  rules = [];
}

/** The rules and how often each has fired. */
export function faultReport(): { rules: (FaultRule & { fired: number })[]; dials: Record<string, number> } {
  return { rules: rules.map((r) => ({ ...r })), dials: Object.fromEntries(dials) };
}

/** Forgets the simulator's dial ledger. */
export function resetDials() {
  dials.clear();
}

/** The simulator (as the vendor) records a dial it received. */
export function recordDial(env: FaultEnv, callId: string, attempt: number) {
  if (!faultsAllowed(env)) return;
  const key = `${callId}#${attempt}`;
  dials.set(key, (dials.get(key) ?? 0) + 1);
}

/** Dials received for one call attempt. */
export function dialsOf(callId: string, attempt: number): number {
  return dials.get(`${callId}#${attempt}`) ?? 0;
}

/**
 * The rule that fires at `site` for `subject` now, if any (and counts it), among those with one of
 * `effects` (any effect when absent). Always null in production.
 */
export function injectedFault(env: FaultEnv, site: FaultSite, subject = "", effects?: readonly FaultEffect[]): ActiveRule | null {
  if (!faultsAllowed(env) || rules.length === 0) return null;
  return fire(site, (match) => subject.includes(match), effects);
}

function fire(site: FaultSite, matches: (match: string) => boolean, effects?: readonly FaultEffect[]): ActiveRule | null {
  for (const rule of rules) {
    if (rule.site !== site) continue;
    if (effects && !effects.includes(rule.effect)) continue;
    if (rule.times !== undefined && rule.fired >= rule.times) continue;
    if (rule.match !== undefined && !matches(rule.match)) continue;
    if (rule.probability !== undefined && Math.random() >= rule.probability) continue;
    rule.fired += 1;
    return rule;
  }
  return null;
}

/** The error an injected fault throws: named so logs and tests can tell it from a real failure. */
export class InjectedFault extends Error {
  constructor(what: string) {
    super(`injected fault: ${what}`);
    this.name = "InjectedFault";
  }
}

/**
 * The bindings with fault injection in place: in test and development, D1 goes through a wrapper
 * that consults the rules on every statement and batch; anywhere else the same object comes back.
 */
export function withFaults<E extends FaultEnv & { DB: D1Database }>(env: E): E {
  if (!faultsAllowed(env)) return env;
  let wrapped = wrappedEnvs.get(env);
  if (!wrapped) {
    wrapped = { ...env, DB: faultyD1(env.DB) };
    wrappedEnvs.set(env, wrapped);
  }
  return wrapped as E;
}

const wrappedEnvs = new WeakMap<object, object>();

function d1Fault(sqls: readonly string[]): ActiveRule | null {
  if (rules.length === 0) return null;
  return fire("d1", (match) => sqls.some((sql) => sql.includes(match)));
}

async function guarded<T>(sqls: readonly string[], run: () => Promise<T>): Promise<T> {
  const fault = d1Fault(sqls);
  if (fault?.effect === "error") throw new InjectedFault(`D1 refused: ${fault.match ?? "any statement"}`);
  const result = await run();
  if (fault?.effect === "error-after") throw new InjectedFault(`D1 answer lost after commit: ${fault.match ?? "any statement"}`);
  return result;
}

/** A prepared statement that remembers its SQL, so a rule can pick it out. */
class FaultyStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    readonly sql: string,
  ) {}

  bind(...values: unknown[]): FaultyStatement {
    return new FaultyStatement(this.inner.bind(...values), this.sql);
  }

  first<T = unknown>(column?: string): Promise<T | null> {
    return guarded([this.sql], () => (column === undefined ? this.inner.first<T>() : this.inner.first<T>(column)));
  }

  run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return guarded([this.sql], () => this.inner.run<T>());
  }

  all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return guarded([this.sql], () => this.inner.all<T>());
  }

  raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<T[]> {
    return guarded([this.sql], () => this.inner.raw<T>(options as { columnNames?: false }));
  }
}

function faultyD1(db: D1Database): D1Database {
  const wrapper = {
    prepare: (sql: string) => new FaultyStatement(db.prepare(sql), sql),
    batch: (statements: FaultyStatement[]) =>
      guarded(
        statements.map((s) => s.sql),
        () => db.batch(statements.map((s) => s.inner)),
      ),
    exec: (sql: string) => guarded([sql], () => db.exec(sql)),
    dump: () => db.dump(),
    withSession: (constraint?: string) => db.withSession(constraint),
  };
  return wrapper as unknown as D1Database;
}
