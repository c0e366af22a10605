/**
 * Which source files one `POST /api/v1/calls` touches, from the HTTP request to the call's end.
 * Run only by `pnpm trace:create-call` (vitest.trace.config.ts, istanbul instrumentation); the
 * normal suite never picks this file up (it is not a *.test.ts).
 *
 * Method:
 * 1. Set up a tenant, a patient and a simulator agent through the API, and wait until nothing runs.
 * 2. Reset every istanbul counter, and start recording function entries in the order they happen:
 *    istanbul's instrumented code enters a function with `cov_x().f[n]++`, a write to the file's
 *    `f` object, so a Proxy on each file's `f` sees every function entry as it happens. The isolate
 *    is single-threaded and the Durable Objects run in it too (the vitest pool runs them in the
 *    test's isolate), so the order of those writes is the order in which functions started.
 * 3. Send one `POST /api/v1/calls` for one patient and let the call play its simulator script to
 *    `completed` on its Durable Object's alarms (real alarms; due ones are also run at once with
 *    `runDurableObjectAlarm`), polling D1 directly, not through the API, so the polling itself runs
 *    no source file. Then wait until nothing runs again (write-through, effects, the dispatcher).
 * 4. Stop recording and hand the result to the trace reporter through the test's meta.
 *
 * Only FUNCTION counters decide whether a file was touched. Statement counters would also count a
 * module's top-level code, which runs once when the module is first imported (mostly when the
 * worker starts, or lazily at an arbitrary first use), not because this request needed the file:
 * declaring a constant or a schema is not executing the request's path. A file counts when at
 * least one of its functions (including methods, arrow functions and callbacks) ran after the reset.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { api, json } from "../helpers/http";
import { callStub } from "../helpers/objects";
import { setup } from "../helpers/tenants";
import { sleep } from "../helpers/wait";

interface FnMeta {
  name: string;
}
interface FileCoverage {
  path: string;
  fnMap: Record<string, FnMeta>;
  f: Record<string, number>;
  s: Record<string, number>;
  b: Record<string, number[]>;
  bT?: Record<string, number[]>;
}
type CoverageStore = Record<string, FileCoverage>;

// @vitest/coverage-istanbul keeps its counters in `globalThis.__VITEST_COVERAGE__`; plain istanbul uses `__coverage__`.
const KEYS = ["__VITEST_COVERAGE__", "__coverage__"] as const;
const globals = globalThis as unknown as Record<string, CoverageStore | undefined>;

function coverageKey(): string {
  const key = KEYS.find((k) => globals[k] && Object.keys(globals[k]!).length > 0);
  if (!key) throw new Error("no istanbul counters in this isolate: run through `pnpm trace:create-call` (vitest.trace.config.ts)");
  return key;
}

const TERMINAL = ["completed", "failed", "canceled"];

function totalFunctionCalls(store: CoverageStore): number {
  let total = 0;
  for (const file of Object.values(store)) for (const n of Object.values(file.f)) total += n;
  return total;
}

function resetCounters(store: CoverageStore) {
  for (const file of Object.values(store)) {
    for (const k of Object.keys(file.f)) file.f[k] = 0;
    for (const k of Object.keys(file.s)) file.s[k] = 0;
    for (const k of Object.keys(file.b)) file.b[k] = file.b[k]!.map(() => 0);
    if (file.bT) for (const k of Object.keys(file.bT)) file.bT[k] = file.bT[k]!.map(() => 0);
  }
}

/** Records function entries in order, for files loaded now and files first loaded later. */
class EntryRecorder {
  seq = 0;
  /** Per file: the global sequence number and name of its first function entry. */
  readonly first = new Map<string, { seq: number; fn: string }>();
  /** Every function entry as the index of its file in `first` order, consecutive repeats collapsed. */
  readonly stream: number[] = [];
  private readonly order = new Map<string, number>();
  private readonly wrapped: { file: FileCoverage; f: Record<string, number> }[] = [];
  private readonly store: CoverageStore;

  constructor(private readonly key: string) {
    this.store = globals[key]!;
    for (const file of Object.values(this.store)) this.wrap(file);
    // A module first imported from now on registers its counters on the global store: wrap them too.
    globals[key] = new Proxy(this.store, {
      set: (target, prop, value) => {
        (target as Record<string | symbol, unknown>)[prop] = value;
        if (typeof prop === "string" && value && typeof value === "object" && "f" in value) this.wrap(value as FileCoverage);
        return true;
      },
    });
  }

  private wrap(file: FileCoverage) {
    const f = file.f;
    this.wrapped.push({ file, f });
    file.f = new Proxy(f, {
      set: (target, prop, value) => {
        target[prop as string] = value as number;
        this.hit(file, prop as string);
        return true;
      },
    });
  }

  private hit(file: FileCoverage, fnIndex: string) {
    this.seq += 1;
    let index = this.order.get(file.path);
    if (index === undefined) {
      index = this.order.size;
      this.order.set(file.path, index);
      const meta = file.fnMap[fnIndex];
      this.first.set(file.path, { seq: this.seq, fn: meta?.name ?? `#${fnIndex}` });
    }
    if (this.stream[this.stream.length - 1] !== index) this.stream.push(index);
  }

  /** Puts plain objects back, so vitest's own coverage collection sees ordinary data. */
  stop(): CoverageStore {
    for (const { file, f } of this.wrapped) file.f = f;
    globals[this.key] = this.store;
    return this.store;
  }
}

/** Runs a Durable Object's alarm now if it is due (as workerd would shortly); reads storage only, no source code. */
async function runDueAlarm(stub: DurableObjectStub): Promise<boolean> {
  const at = await runInDurableObject(stub, (_instance: unknown, state) => state.storage.getAlarm());
  if (at === null || at > Date.now()) return false;
  return runDurableObjectAlarm(stub);
}

/** Waits until no instrumented function has run for `quietMs` (bounded); `tick` runs between looks. */
async function settle(key: string, tick: () => Promise<unknown> = async () => {}, quietMs = 750, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = totalFunctionCalls(globals[key]!);
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await tick();
    await sleep(50);
    const now = totalFunctionCalls(globals[key]!);
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) {
      return true;
    }
  }
  return false;
}

it("traces POST /api/v1/calls to the call's end", async ({ task }) => {
  // A full human conversation (dialing, in-progress, summarizing, completed), spread over 2 s of alarms.
  const { tenant, key, patient, agent } = await setup({ simulator: { outcome: "human", durationMs: 2_000 } });
  const cov = coverageKey();
  const settledBefore = await settle(cov);

  resetCounters(globals[cov]!);
  const recorder = new EntryRecorder(cov);
  const startedAt = Date.now();

  const res = await api("/api/v1/calls", { method: "POST", key, json: { patients: [{ patientId: patient.patient_id }], agentId: agent.id } });
  const body = await json(res);
  const callId: string | undefined = body?.calls?.[0]?.callId;

  const dispatcher = env.DISPATCHERS.get(env.DISPATCHERS.idFromName(tenant.id));
  const runDue = async () => {
    if (callId) await runDueAlarm(callStub(callId));
    await runDueAlarm(dispatcher);
  };
  const readStatus = async () =>
    callId ? ((await env.DB.prepare("SELECT status FROM calls WHERE id = ?").bind(callId).first<{ status: string }>())?.status ?? null) : null;

  let status = await readStatus();
  const deadline = Date.now() + 20_000;
  while (status !== null && !TERMINAL.includes(status) && Date.now() < deadline) {
    await runDue();
    await sleep(25);
    status = await readStatus();
  }
  // The end's write-through, its effects (the line back to the dispatcher) and the dispatcher's alarm.
  const settledAfter = await settle(cov, runDue);
  const store = recorder.stop();
  const elapsedMs = Date.now() - startedAt;

  // Cross-check: the files whose function counters moved are exactly the files the recorder saw.
  const counted = Object.values(store)
    .filter((file) => Object.values(file.f).some((n) => n > 0))
    .map((file) => file.path)
    .sort();
  const recorded = [...recorder.first.keys()].sort();

  const files = [...recorder.first.entries()].map(([path, first]) => {
    const file = store[path]!;
    const counts = Object.values(file.f);
    return {
      path,
      firstSeq: first.seq,
      // istanbul's names: anonymous functions and constructors are "(anonymous_N)".
      firstFunction: first.fn,
      functions: Object.entries(file.f)
        .filter(([, n]) => n > 0)
        .map(([k]) => file.fnMap[k]?.name ?? `#${k}`),
      functionsRun: counts.filter((n) => n > 0).length,
      functionsTotal: counts.length,
      functionCalls: counts.reduce((a, n) => a + n, 0),
    };
  });
  // The Durable Objects must run in this isolate for their code to be counted: after the recording,
  // one RPC to each must move this isolate's counters (the pool runs them here; this checks it).
  const movesCounters = async (rpc: () => Promise<unknown>) => {
    const before = totalFunctionCalls(store);
    await rpc();
    return totalFunctionCalls(store) > before;
  };
  const durableObjectsCountedHere = {
    call: callId ? await movesCounters(() => callStub(callId).status()) : false,
    dispatcher: await movesCounters(() => dispatcher.inspect()),
  };
  const events = callId
    ? (await env.DB.prepare("SELECT seq, type, to_status FROM call_events WHERE call_id = ? ORDER BY seq").bind(callId).all()).results
    : [];

  (task.meta as Record<string, unknown>).trace = {
    coverageVariable: cov,
    request: { method: "POST", path: "/api/v1/calls", status: res.status, callId: callId ?? null },
    finalStatus: status,
    callEvents: events,
    settledBefore,
    settledAfter,
    elapsedMs,
    functionEntries: recorder.seq,
    files,
    fileStream: recorder.stream,
    durableObjectsCountedHere,
    countedButNotRecorded: counted.filter((p) => !recorder.first.has(p)),
    recordedButNotCounted: recorded.filter((p) => !counted.includes(p)),
  };

  expect(res.status, JSON.stringify(body)).toBe(201);
  expect(status).toBe("completed");
  expect(settledBefore, "setup never went quiet").toBe(true);
  expect(settledAfter, "the call's aftermath never went quiet").toBe(true);
  expect(recorded).toEqual(counted);
  expect(durableObjectsCountedHere).toEqual({ call: true, dispatcher: true });
});
