// `pnpm bench`: measures, on the local runtime (workerd through `wrangler dev`, fresh local D1):
//   1. creating a 1,000-patient batch through the API vs. inserting the same rows in one bare D1
//      batch (the platform floor), both as HTTP round trips to the same worker;
//   2. what deciding the contact policy adds to that request: the request's reads and checks with
//      the policy (the real code, decisions included) vs. the same reads as they were before it,
//      side by side; and D1 rows read by the policy's counters per call (from D1's `meta`);
//   3. releasing a 10,000-call scheduled campaign: wall time, and D1 rows read/written per call
//      summed from D1's result `meta` over every statement of the release;
//   4. the whole life of a call (create → release → contact policy → each transition → end →
//      webhooks → audit): D1 rows written and read, statements and bytes stored per call, summed
//      from D1's own `meta` (scripts/bench/d1-meter.ts), beside its floor: the same rows written
//      again by bare INSERT and UPDATE statements into the same tables (scripts/bench/life.ts);
//   5. GET /api/v1/calls/{id} vs a bare D1 point read of the call and its patient, and the D1 rows
//      a list page of 100 reads.
// Patients live where it is early afternoon (an Etc/GMT zone), so the calling hours are decided in
// full and allow, and each has a counters row (a reminder two days ago), so the caps read history.
// It is a script, not a test: it prints figures. BENCH_RUNS (default 5) sets the runs per figure;
// BENCH_LIFE_CALLS (default 200) the calls of the whole-life run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrap } from "./lib/bootstrap.mjs";

await bootstrap(import.meta.url);
const { root, wrangler, wranglerAsync } = await import("./lib/local.mjs");

const PORT = Number(process.env.BENCH_PORT ?? 8799);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LIFE_CALLS = Number(process.env.BENCH_LIFE_CALLS ?? 200);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { Authorization: "Bearer bench-admin-token" };
const config = join(root, "scripts", "bench", "wrangler.jsonc");
/** An IANA zone where it is about 13:00 now. */
const DAYTIME = (() => {
  const offset = 13 - new Date().getUTCHours();
  return offset === 0 ? "Etc/GMT" : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
})();

const persist = mkdtempSync(join(tmpdir(), "switchboard-bench-"));
let server;
/** Stops wrangler and its workerd (their own process group), then deletes the local data. */
async function cleanUp() {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await Promise.race([exited, sleep(5000)]);
  }
  rmSync(persist, { recursive: true, force: true });
}
process.on("SIGINT", () => cleanUp().then(() => process.exit(130)));

try {
  console.log("Starting the bench worker (wrangler dev, fresh local D1)…");
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist, "-c", config], { quiet: true });
  server = wranglerAsync(["dev", "-c", config, "--port", String(PORT), "--ip", "127.0.0.1", "--persist-to", persist, "--inspector-port", "0"], {
    stdio: ["ignore", process.env.BENCH_VERBOSE ? "inherit" : "ignore", "inherit"],
    detached: true,
  });
  await waitUntilUp();

  // BENCH_ONLY=create: the create figures alone (no whole life, reads or release).
  const only = process.env.BENCH_ONLY ?? null;
  let life = null;
  let reads = null;
  if (only !== "create") {
    // First, while nothing else runs: every D1 statement the worker runs now belongs to these calls.
    console.log(`Living ${LIFE_CALLS} calls from create to their last webhook…`);
    life = await wholeLife(LIFE_CALLS);
    console.log(`Reading calls (${RUNS} runs)…`);
    reads = await readBench(life, RUNS);
  }

  // BENCH_ONLY=life: the whole-life and read figures alone.
  if (only !== "life") {
    console.log(`Creating 1,000-patient batches (${RUNS} runs after a warm-up)…`);
    const create = { api: [], apiWarm: [], apiBusy: [], values: [], json: [], full: [], valuesStatements: 0, jsonStatements: 0, fullStatements: 0, floorRows: null, validate: [], policy: [], policyRows: null, decisions: null };
    for (let run = 0; run <= RUNS; run++) {
      const { key, tenantId, agentId } = await freshTenant();
      const { ids } = await post("/bench/patients", { tenantId, count: 1000, timezone: DAYTIME, contacts: true });
      // The policy's share, side by side: the create request's reads as before the policy, and with it (decisions included).
      const validate = await timedResult(() => post("/bench/validate", { tenantId, agentId, patientIds: ids }));
      const policy = await timedResult(() => post("/bench/policy", { tenantId, agentId, patientIds: ids }));
      if (policy.result.decisions.allow !== 1000) throw new Error(`the policy did not allow every bench call: ${JSON.stringify(policy.result.decisions)}`);
      const patients = ids.map((patientId) => ({ patientId, extended: { appointment: { name: "General Check Up", start_time: "Dec 2 at 10:30 AM" } } }));

      let created = null;
      const createCalls = async () => (created = await post("/api/v1/calls", { agentId, reason: "bench", patients }, { "X-API-Key": key }, 201));
      const apiMs = await timed(createCalls);
      // Under wrangler dev the worker and every Durable Object share one thread: the calls this
      // request gave lines are started on the dispatcher's alarm moments later, and would be timed as
      // part of whatever is measured next. Each timed request starts once they have been made.
      await startsMade(tenantId, created.batchId);
      // The same request again: the tenant's 10 lines are now busy, so it only queues.
      const apiBusyMs = await timed(createCalls);
      // Lines free again, for a tenant whose dispatcher already runs (any tenant that has used its
      // lines before): a second fresh tenant, its dispatcher woken by reading its lines, same batch.
      const warm = await freshTenant();
      const warmIds = (await post("/bench/patients", { tenantId: warm.tenantId, count: 1000, timezone: DAYTIME, contacts: true })).ids;
      await getOk(`/admin/tenants/${warm.tenantId}/lines`, ADMIN);
      const warmPatients = warmIds.map((patientId) => ({ patientId, extended: { appointment: { name: "General Check Up", start_time: "Dec 2 at 10:30 AM" } } }));
      let warmBatch = null;
      const apiWarmMs = await timed(async () => (warmBatch = await post("/api/v1/calls", { agentId: warm.agentId, reason: "bench", patients: warmPatients }, { "X-API-Key": warm.key }, 201)));
      await startsMade(warm.tenantId, warmBatch.batchId);
      const values = await timedResult(() => post("/bench/floor", { tenantId, agentId, patients, variant: "values" }));
      const json = await timedResult(() => post("/bench/floor", { tenantId, agentId, patients, variant: "json_each" }));
      const full = await timedResult(() => post("/bench/floor", { tenantId, agentId, patients, variant: "json_each+policy+audit" }));
      console.log(
        `  run ${run}/${RUNS}${run === 0 ? " (warm-up, not counted)" : ""}: API ${apiMs.toFixed(0)} ms (lines free, new tenant), ${apiWarmMs.toFixed(0)} ms (lines free, dispatcher running), ${apiBusyMs.toFixed(0)} ms (busy); ` +
          `bare batch ${values.ms.toFixed(0)} ms (VALUES), ${json.ms.toFixed(0)} ms (json_each), ${full.ms.toFixed(0)} ms (every row; its D1 batch ${full.result.inWorkerMs} ms in the worker)`,
      );
      if (run === 0) continue; // warm-up
      create.validate.push(validate.ms);
      create.policy.push(policy.ms);
      create.decisions = policy.result.decisions;
      create.policyRows ??= await post("/bench/policy-rows", { tenantId, patientIds: ids });
      create.api.push(apiMs);
      create.apiWarm.push(apiWarmMs);
      create.apiBusy.push(apiBusyMs);
      create.values.push(values.ms);
      create.json.push(json.ms);
      create.full.push(full.ms);
      create.fullStatements = full.result.statements;
      create.valuesStatements = values.result.statements;
      create.jsonStatements = json.result.statements;
      create.floorRows = { values: values.result, json: json.result, full: full.result };
    }

    const release = [];
    if (only !== "create") console.log(`Releasing 10,000-call scheduled campaigns (${RUNS} runs)…`);
    for (let run = 0; only !== "create" && run < RUNS; run++) {
      const { tenantId, agentId } = await freshTenant();
      const { ids } = await post("/bench/patients", { tenantId, count: 10_000, timezone: DAYTIME });
      const { batchId } = await post("/bench/scheduled-campaign", { tenantId, agentId, patientIds: ids, scheduledAt: Date.now() - 1000 });
      const started = performance.now();
      await post("/bench/release", { now: Date.now() });
      let status;
      do {
        await sleep(10);
        status = await get(`/bench/release-status?tenantId=${tenantId}&campaignId=${batchId}`);
      } while (!status.job?.finished_at);
      const wallMs = performance.now() - started;
      if (status.job.calls !== 10_000) throw new Error(`release queued ${status.job.calls} calls, expected 10,000`);
      release.push({ wallMs, ...status.job });
      console.log(`  run ${run + 1}/${RUNS}: released 10,000 calls in ${wallMs.toFixed(0)} ms`);
    }

    report(create, release);
  }
  if (life) reportLife(life, reads);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}

function report(create, release) {
  const ms = (n) => `${n.toFixed(0).padStart(6)} ms`;
  const apiLine = (label, value) => `  ${label.padEnd(78)} ${ms(value)}`;
  const perCall = (n) => (n / 10_000).toFixed(2);
  const perBatchCall = (n) => (n / 1000).toFixed(2);
  const api = median(create.api);
  const apiBusy = median(create.apiBusy);
  const apiWarm = median(create.apiWarm);
  const values = median(create.values);
  const json = median(create.json);
  const floor = Math.min(values, json);
  const r = release.sort((a, b) => a.wallMs - b.wallMs)[Math.floor(release.length / 2)] ?? null;
  const validate = median(create.validate);
  const policy = median(create.policy);
  const added = Math.max(0, policy - validate);
  const rows = create.policyRows;
  const pct = (part, whole) => `${((100 * part) / whole).toFixed(1)}%`;
  console.log(`
Switchboard bench: local workerd (wrangler dev), fresh local D1, median of ${RUNS} runs

Create a 1,000-patient batch (HTTP round trips to the same worker)
${apiLine("POST /api/v1/calls, lines free, a new tenant's first batch (validate, insert, queue 1,000, grant 10)", api)}
${apiLine("POST /api/v1/calls, lines free, the tenant's dispatcher already running", apiWarm)}
${apiLine("POST /api/v1/calls, lines busy (validate, insert, queue 1,000)", apiBusy)}
${apiLine(`bare D1 batch, multi-row VALUES (${create.valuesStatements} statements)`, values)}
${apiLine(`bare D1 batch, INSERT ... SELECT FROM json_each(?) (${create.jsonStatements} statements)`, json)}
${apiLine(`bare D1 batch, json_each, with the policy columns, audit rows and call count the request also writes (${create.fullStatements} statements)`, median(create.full))}
  API / floor (the faster bare batch of calls and history): lines free ${(api / floor).toFixed(2)}x, lines busy ${(apiBusy / floor).toFixed(2)}x
  API / floor with every row the request writes: lines free ${(api / median(create.full)).toFixed(2)}x (new tenant), ${(apiWarm / median(create.full)).toFixed(2)}x (dispatcher running), lines busy ${(apiBusy / median(create.full)).toFixed(2)}x
  json_each / VALUES: ${(json / values).toFixed(2)}x
  floor rows per call (read / written): VALUES ${perBatchCall(create.floorRows.values.rowsRead)} / ${perBatchCall(create.floorRows.values.rowsWritten)}, json_each ${perBatchCall(create.floorRows.json.rowsRead)} / ${perBatchCall(create.floorRows.json.rowsWritten)}, with everything ${perBatchCall(create.floorRows.full.rowsRead)} / ${perBatchCall(create.floorRows.full.rowsWritten)}

The contact policy on a 1,000-patient batch (patients in ${DAYTIME}, each with a counters row)
${apiLine("the request's reads and checks as before the policy (agent, vendors, patients, opt-outs)", validate)}
${apiLine("the same with the policy: facts, consent, do-not-call, counters, tenant, 1,000 decisions", policy)}
  added by the policy: ${added.toFixed(0)} ms = ${pct(added, api)} of the create request (lines free), ${pct(added, apiBusy)} (lines busy); goal: at most 20%
  decisions: ${JSON.stringify(create.decisions)}
  D1 rows read per call by the counters: ${perBatchCall(rows.counters.rowsRead)} (the facts statement with them joined, ${perBatchCall(rows.factsWithCounters.rowsRead)}, minus without, ${perBatchCall(rows.facts.rowsRead)}; ${rows.counters.found} rows for ${rows.calls} patients); goal: at most 1
  per dial (call object): counters row by its key ${(rows.dial.read.rowsRead / rows.dial.sampled).toFixed(2)} read; recording the contact (compare-and-set) ${(rows.dial.claim.rowsRead / rows.dial.sampled).toFixed(2)} read, ${(rows.dial.claim.rowsWritten / rows.dial.sampled).toFixed(2)} written
${r ? releaseReport(r) : ""}`);

  function releaseReport(r) {
    return `
Release a 10,000-call scheduled campaign (cron call until every call is queued; 10 dialed)
${apiLine("wall time", r.wallMs)}
  D1 rows read per call: ${perCall(r.rows_read)}; written per call: ${perCall(r.rows_written)}
  D1 statements ${r.statements} in ${r.pages} pages; at most ${r.max_subrequests_per_step} D1 subrequests per alarm step
  wall time of each run: ${release.map((x) => x.wallMs.toFixed(0)).join(", ")} ms
`;
  }
}

/**
 * One campaign of `n` calls lived whole: lines for all of them, a simulated call of 1.5 s each, a
 * webhook endpoint (this worker) subscribed to every event. Waits until every call has ended,
 * every delivery has succeeded and D1 has gone quiet, then asks for the floor of the same rows.
 */
async function wholeLife(n) {
  const { key, tenantId, agentId } = await freshTenant({ durationMs: 1500 }, { concurrencyLimit: Math.min(n, 1000) });
  await post("/api/v1/webhook-endpoints", { url: `${BASE}/bench/hook` }, { "X-API-Key": key }, 201);
  const { ids } = await post("/bench/patients", { tenantId, count: n, timezone: DAYTIME });
  const patients = ids.map((patientId) => ({ patientId, extended: { appointment: { name: "General Check Up", start_time: "Dec 2 at 10:30 AM" } } }));
  const before = await post("/bench/meter", {});
  const created = await post("/api/v1/calls", { agentId, reason: "bench", patients }, { "X-API-Key": key }, 201);
  const deadline = Date.now() + 300_000;
  let last = null;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`the whole-life run did not settle: ${JSON.stringify(last)}`);
    await sleep(500);
    const status = await get(`/bench/life-status?tenantId=${tenantId}&campaignId=${created.batchId}`);
    const totals = await get("/bench/meter");
    // Settled: nothing open, nothing pending, and no D1 statement for a whole second.
    if (status.openCalls === 0 && status.pendingDeliveries === 0 && last?.statements === totals.statements) {
      if (totals.statements === 0) throw new Error("the D1 meter saw no statements");
      if (process.env.BENCH_TOP) console.log(JSON.stringify(await get(`/bench/meter?top=${process.env.BENCH_TOP}`), null, 1));
      const floor = await post("/bench/life-floor", { tenantId, campaignId: created.batchId });
      return { n, key, tenantId, batchId: created.batchId, callIds: created.calls.map((c) => c.callId), totals, bytes: totals.sizeBytes - before.sizeBytes, floor };
    }
    if (status.openCalls === 0 && status.pendingDeliveries === 0) await sleep(1000);
    last = { ...totals, ...status };
  }
}

/** GET /api/v1/calls/{id} vs the bare point read, one after the other per call; then the rows a list page reads. */
async function readBench(life, runs) {
  const api = [];
  const floor = [];
  const ids = life.callIds.slice(0, 100);
  for (let run = 0; run <= runs; run++) {
    let apiMs = 0;
    let floorMs = 0;
    for (const id of ids) {
      apiMs += await timed(() => getOk(`/api/v1/calls/${id}`, { "X-API-Key": life.key }));
      floorMs += await timed(() => getOk(`/bench/point-read?callId=${id}&tenantId=${life.tenantId}`));
    }
    if (run === 0) continue; // warm-up
    api.push(apiMs / ids.length);
    floor.push(floorMs / ids.length);
  }
  const pages = [];
  for (const start of [1, 101]) {
    await post("/bench/meter", {});
    const page = await getOk(`/api/v1/calls?size=100&start=${start}`, { "X-API-Key": life.key });
    const totals = await get("/bench/meter");
    pages.push({ start, returned: page.data.length, total: page.pagination.total, rowsRead: totals.rowsRead, rowsWritten: totals.rowsWritten, statements: totals.statements });
  }
  return { api: median(api), floor: median(floor), pages };
}

function reportLife(life, reads) {
  const per = (x) => (x / life.n).toFixed(1);
  const f = life.floor;
  const ratio = (a, b) => (b ? `${(a / b).toFixed(2)}x` : "n/a");
  console.log(`Whole life of a call: ${life.n} calls, create → release → contact policy → each transition → end → webhooks (1 endpoint) → audit
  (summed from D1's meta over every statement of the worker and its Durable Objects; bytes from D1's size_after)
                                        API path      floor (bare INSERT/UPDATE, same rows, same indexes)   API / floor
  D1 rows written per call           ${per(life.totals.rowsWritten).padStart(10)}    ${per(f.rowsWritten).padStart(10)}                                            ${ratio(life.totals.rowsWritten, f.rowsWritten)}
  D1 rows read per call              ${per(life.totals.rowsRead).padStart(10)}    ${per(f.rowsRead).padStart(10)}                                            ${ratio(life.totals.rowsRead, f.rowsRead)}
  D1 statements per call             ${per(life.totals.statements).padStart(10)}    ${per(f.statements).padStart(10)}
  D1 round trips per call            ${per(life.totals.calls).padStart(10)}
  bytes stored per call              ${per(life.bytes).padStart(10)}    ${per(f.bytes).padStart(10)}
  rows per call: ${Object.entries(f.rows).map(([k, v]) => `${k} ${(v / f.calls).toFixed(2)}`).join(", ")}

GET /api/v1/calls/{id} (median of ${RUNS} runs, 100 calls each, HTTP round trips to the same worker; the API also writes its read's audit row)
  API ${reads.api.toFixed(2)} ms, bare D1 point read of the call and its patient ${reads.floor.toFixed(2)} ms: ${ratio(reads.api, reads.floor)}
GET /api/v1/calls?size=100: D1 rows per page (every statement of the request, the read's audit rows included)
${reads.pages.map((p) => `  start=${p.start}: ${p.returned} of ${p.total} calls, ${p.rowsRead} rows read, ${p.rowsWritten} written, in ${p.statements} statements`).join("\n")}
`);
}

/** Waits until the tenant's dispatcher has made every start it granted (at most 10 s). */
async function startsMade(tenantId, campaignId) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const stats = await getOk(`/bench/release-status?tenantId=${tenantId}&campaignId=${campaignId}`);
    if (stats.starting === 0) return;
    if (Date.now() > deadline) throw new Error(`the dispatcher still has ${stats.starting} starts to make`);
    await sleep(50);
  }
}

async function freshTenant(simulator = { durationMs: 600_000 }, extra = {}) {
  // The bench sends two 1,000-call batches per run, seconds apart, and reads calls one by one:
  // far above a clinic's default calls per minute and requests per second.
  const limits = { callsPerMinute: 100_000, requestsPerSecond: 10_000, requestBurst: 100_000 };
  const tenant = await post("/admin/tenants", { name: "Bench clinic", limits, ...extra }, ADMIN, 201);
  const agent = await post("/api/v1/agents", { name: "Bench", provider: "simulator", simulator }, { "X-API-Key": tenant.apiKey }, 201);
  return { key: tenant.apiKey, tenantId: tenant.id, agentId: agent.id };
}

async function getOk(path, headers = {}) {
  const res = await fetch(`${BASE}${path}`, { headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function post(path, body, headers = {}, expected = 200) {
  const res = await fetch(`${BASE}${path}`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== expected) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function get(path) {
  const res = await fetch(`${BASE}${path}`);
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

async function timed(fn) {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function timedResult(fn) {
  const started = performance.now();
  const result = await fn();
  return { ms: performance.now() - started, result };
}

async function waitUntilUp() {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${BASE}/`)).ok) return;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  throw new Error("the bench worker did not start");
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
