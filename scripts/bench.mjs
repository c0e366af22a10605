// `pnpm bench`: measures, on the local runtime (workerd through `wrangler dev`, fresh local D1):
//   1. creating a 1,000-patient batch through the API vs. inserting the same rows in one bare D1
//      batch (the platform floor), both as HTTP round trips to the same worker;
//   2. what deciding the contact policy adds to that request: the request's reads and checks with
//      the policy (the real code, decisions included) vs. the same reads as they were before it,
//      side by side; and D1 rows read by the policy's counters per call (from D1's `meta`);
//   3. releasing a 10,000-call scheduled campaign: wall time, and D1 rows read/written per call
//      summed from D1's result `meta` over every statement of the release.
// Patients live where it is early afternoon (an Etc/GMT zone), so the calling hours are decided in
// full and allow, and each has a counters row (a reminder two days ago), so the caps read history.
// It is a script, not a test: it prints figures. BENCH_RUNS (default 5) sets the runs per figure.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrap } from "./lib/bootstrap.mjs";

await bootstrap(import.meta.url);
const { root, wrangler, wranglerAsync } = await import("./lib/local.mjs");

const PORT = Number(process.env.BENCH_PORT ?? 8799);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
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

  console.log(`Creating 1,000-patient batches (${RUNS} runs after a warm-up)…`);
  const create = { api: [], apiBusy: [], values: [], json: [], valuesStatements: 0, jsonStatements: 0, floorRows: null, validate: [], policy: [], policyRows: null, decisions: null };
  for (let run = 0; run <= RUNS; run++) {
    const { key, tenantId, agentId } = await freshTenant();
    const { ids } = await post("/bench/patients", { tenantId, count: 1000, timezone: DAYTIME, contacts: true });
    // The policy's share, side by side: the create request's reads as before the policy, and with it (decisions included).
    const validate = await timedResult(() => post("/bench/validate", { tenantId, agentId, patientIds: ids }));
    const policy = await timedResult(() => post("/bench/policy", { tenantId, agentId, patientIds: ids }));
    if (policy.result.decisions.allow !== 1000) throw new Error(`the policy did not allow every bench call: ${JSON.stringify(policy.result.decisions)}`);
    const patients = ids.map((patientId) => ({ patientId, extended: { appointment: { name: "General Check Up", start_time: "Dec 2 at 10:30 AM" } } }));

    const createCalls = () => post("/api/v1/calls", { agentId, reason: "bench", patients }, { "X-API-Key": key }, 201);
    const apiMs = await timed(createCalls);
    // The same request again: the tenant's 10 lines are now busy, so it only queues.
    const apiBusyMs = await timed(createCalls);
    const values = await timedResult(() => post("/bench/floor", { tenantId, agentId, patientIds: ids, variant: "values" }));
    const json = await timedResult(() => post("/bench/floor", { tenantId, agentId, patientIds: ids, variant: "json_each" }));
    console.log(
      `  run ${run}/${RUNS}${run === 0 ? " (warm-up, not counted)" : ""}: API ${apiMs.toFixed(0)} ms (lines free), ${apiBusyMs.toFixed(0)} ms (busy); ` +
        `bare batch ${values.ms.toFixed(0)} ms (VALUES), ${json.ms.toFixed(0)} ms (json_each)`,
    );
    if (run === 0) continue; // warm-up
    create.validate.push(validate.ms);
    create.policy.push(policy.ms);
    create.decisions = policy.result.decisions;
    create.policyRows ??= await post("/bench/policy-rows", { tenantId, patientIds: ids });
    create.api.push(apiMs);
    create.apiBusy.push(apiBusyMs);
    create.values.push(values.ms);
    create.json.push(json.ms);
    create.valuesStatements = values.result.statements;
    create.jsonStatements = json.result.statements;
    create.floorRows = { values: values.result, json: json.result };
  }

  console.log(`Releasing 10,000-call scheduled campaigns (${RUNS} runs)…`);
  const release = [];
  for (let run = 0; run < RUNS; run++) {
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
  const values = median(create.values);
  const json = median(create.json);
  const floor = Math.min(values, json);
  const r = release.sort((a, b) => a.wallMs - b.wallMs)[Math.floor(release.length / 2)];
  const validate = median(create.validate);
  const policy = median(create.policy);
  const added = Math.max(0, policy - validate);
  const rows = create.policyRows;
  const pct = (part, whole) => `${((100 * part) / whole).toFixed(1)}%`;
  console.log(`
Switchboard bench: local workerd (wrangler dev), fresh local D1, median of ${RUNS} runs

Create a 1,000-patient batch (HTTP round trips to the same worker)
${apiLine("POST /api/v1/calls, lines free (validate, insert, queue 1,000, dial 10)", api)}
${apiLine("POST /api/v1/calls, lines busy (validate, insert, queue 1,000)", apiBusy)}
${apiLine(`bare D1 batch, multi-row VALUES (${create.valuesStatements} statements)`, values)}
${apiLine(`bare D1 batch, INSERT ... SELECT FROM json_each(?) (${create.jsonStatements} statements)`, json)}
  API / floor (the faster bare batch): lines free ${(api / floor).toFixed(2)}x, lines busy ${(apiBusy / floor).toFixed(2)}x
  json_each / VALUES: ${(json / values).toFixed(2)}x
  floor rows per call (read / written): VALUES ${perBatchCall(create.floorRows.values.rowsRead)} / ${perBatchCall(create.floorRows.values.rowsWritten)}, json_each ${perBatchCall(create.floorRows.json.rowsRead)} / ${perBatchCall(create.floorRows.json.rowsWritten)}

The contact policy on a 1,000-patient batch (patients in ${DAYTIME}, each with a counters row)
${apiLine("the request's reads and checks as before the policy (agent, vendors, patients, opt-outs)", validate)}
${apiLine("the same with the policy: facts, consent, do-not-call, counters, tenant, 1,000 decisions", policy)}
  added by the policy: ${added.toFixed(0)} ms = ${pct(added, api)} of the create request (lines free), ${pct(added, apiBusy)} (lines busy); goal: at most 20%
  decisions: ${JSON.stringify(create.decisions)}
  D1 rows read per call by the counters: ${perBatchCall(rows.counters.rowsRead)} (the facts statement with them joined, ${perBatchCall(rows.factsWithCounters.rowsRead)}, minus without, ${perBatchCall(rows.facts.rowsRead)}; ${rows.counters.found} rows for ${rows.calls} patients); goal: at most 1
  per dial (call object): counters row by its key ${(rows.dial.read.rowsRead / rows.dial.sampled).toFixed(2)} read; recording the contact (compare-and-set) ${(rows.dial.claim.rowsRead / rows.dial.sampled).toFixed(2)} read, ${(rows.dial.claim.rowsWritten / rows.dial.sampled).toFixed(2)} written

Release a 10,000-call scheduled campaign (cron call until every call is queued; 10 dialed)
${apiLine("wall time", r.wallMs)}
  D1 rows read per call: ${perCall(r.rows_read)}; written per call: ${perCall(r.rows_written)}
  D1 statements ${r.statements} in ${r.pages} pages; at most ${r.max_subrequests_per_step} D1 subrequests per alarm step
  wall time of each run: ${release.map((x) => x.wallMs.toFixed(0)).join(", ")} ms
`);
}

async function freshTenant() {
  // The bench sends two 1,000-call batches per run, seconds apart: far above a clinic's default calls per minute.
  const tenant = await post("/admin/tenants", { name: "Bench clinic", limits: { callsPerMinute: 100_000 } }, ADMIN, 201);
  const agent = await post("/api/v1/agents", { name: "Bench", provider: "simulator", simulator: { durationMs: 600_000 } }, { "X-API-Key": tenant.apiKey }, 201);
  return { key: tenant.apiKey, tenantId: tenant.id, agentId: agent.id };
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
