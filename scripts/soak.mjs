// `pnpm soak`: drives thousands of simulated calls through the local stack (the API worker and the
// cron worker under `wrangler dev`, on their own ports and their own local state in .soak/) while
// faults are injected (lib/faults.ts, through the development-only PUT /admin/faults): D1 errors
// and lost answers, a simulator that refuses (503), stalls or sends its events twice and out of
// order, call objects restarting mid-placement and after commits, call effects failing; requests
// retried with the same Idempotency-Key, the cron fired twice at once, hangups and cancels.
// At the end it prints the invariants: dials per call attempt (max 1, counted by the simulator),
// lines leaked (0), calls not ended (0), events lost (0), idempotent retries that created anything
// (0). Exit status 1 when one does not hold.
//
//   SOAK_CALLS (default 5000)  SOAK_TENANTS (4)  SOAK_LINES (lines per tenant, 100)
//   SOAK_BATCH (patients per create request, 25)  SOAK_KEEP=1 keeps .soak/<run>/ for inspection
//   SOAK_VERBOSE=1 shows wrangler's output
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { join, relative } from "node:path";
import { buildAssets, root, wrangler, workerDir } from "./lib/local.mjs";

const CALLS = Number(process.env.SOAK_CALLS ?? 5000);
const TENANTS = Number(process.env.SOAK_TENANTS ?? 4);
const LINES = Number(process.env.SOAK_LINES ?? 100);
const BATCH = Number(process.env.SOAK_BATCH ?? 25);
const ADMIN_TOKEN = "soak-admin-token";
const ADMIN = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const TERMINAL = new Set(["completed", "failed", "canceled"]);

/** The faults in force while calls are placed and run. */
const FAULTS = [
  // D1: statements refused, and batches that commit but whose answer is lost.
  { site: "d1", effect: "error", probability: 0.004 },
  { site: "d1", effect: "error-after", match: "UPDATE calls SET status", probability: 0.01 },
  { site: "d1", effect: "error-after", match: 'insert into "campaigns"', probability: 0.03 },
  // The vendor: refusals, stalls past its timeout (10 s) and short ones, repeated and reordered events.
  { site: "simulator", effect: "status-5xx", probability: 0.02 },
  { site: "simulator", effect: "stall", ms: 12_000, probability: 0.005 },
  { site: "simulator", effect: "stall", ms: 1_500, probability: 0.02 },
  { site: "simulator", effect: "duplicate", probability: 0.1 },
  { site: "simulator", effect: "reorder", probability: 0.1 },
  // Call objects restarting mid-placement and after commits; their line notices failing.
  { site: "call.restart.placing", effect: "restart", probability: 0.01 },
  { site: "call.restart.committed", effect: "restart", probability: 0.005 },
  { site: "call.effects", effect: "error", probability: 0.02 },
];

if (Number(process.versions.node.split(".")[0]) < 22) {
  console.error(`Node ${process.versions.node} is too old: run through pnpm (the workspace pins Node 22).`);
  process.exit(1);
}

const run = `run-${process.pid}`;
const dir = join(root, ".soak", run);
const state = join(dir, "state");
mkdirSync(state, { recursive: true });
const started = Date.now();
const children = [];
const servers = [];

/** Stops what this script started (each wrangler with its workerd, by process group) and removes its state. */
async function cleanUp() {
  for (const child of children) {
    if (child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await Promise.race([exited, sleep(5000)]);
  }
  for (const server of servers) server.close();
  if (!process.env.SOAK_KEEP) rmSync(dir, { recursive: true, force: true });
}
process.on("SIGINT", () => cleanUp().then(() => process.exit(130)));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
const log = (line) => console.log(`[${seconds()}s] ${line}`);

async function freePort() {
  return new Promise((resolve) => {
    const server = createNetServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The real configs, renamed for this run (so it never meets anyone's `pnpm dev` in wrangler's dev registry). */
function writeConfigs() {
  const read = (file) => JSON.parse(readFileSync(file, "utf8").replace(/^\s*\/\/.*$/gm, ""));
  const worker = read(join(workerDir, "wrangler.jsonc"));
  const workerName = `switchboard-worker-soak-${process.pid}`;
  worker.name = workerName;
  worker.main = relative(dir, join(workerDir, "src", "index.ts"));
  delete worker.$schema;
  worker.vars = {
    ...worker.vars,
    ENVIRONMENT: "development",
    // Simulator calls only: they may go at any hour (the contact policy's dev window).
    DEV_WIDE_CALLING_WINDOW: "true",
    ADMIN_TOKEN,
    SECRETS_KEY: "c29hay1zZWNyZXRzLWtleS0zMi1ieXRlcy1sb25nISE=",
    FILES_SIGNING_KEY: "soak-files-signing-key-0123456789abcdef",
  };
  // Every shard (DB, DB_1, …) gets every migration, as in dev and production.
  for (const d1 of worker.d1_databases) d1.migrations_dir = relative(dir, join(root, "packages", "schemas", "migrations"));
  // The console's assets, built before the configs are written (paths are relative to the config).
  if (worker.assets) worker.assets.directory = relative(dir, join(root, "apps", "console", "dist"));
  const cron = read(join(root, "apps", "cron", "wrangler.jsonc"));
  cron.name = `switchboard-cron-soak-${process.pid}`;
  cron.main = relative(dir, join(root, "apps", "cron", "src", "index.ts"));
  delete cron.$schema;
  cron.services = cron.services.map((s) => ({ ...s, service: workerName }));
  const workerConfig = join(dir, "worker.json");
  const cronConfig = join(dir, "cron.json");
  writeFileSync(workerConfig, JSON.stringify(worker, null, 2));
  writeFileSync(cronConfig, JSON.stringify(cron, null, 2));
  // Run from bundles made now: `wrangler dev` reloads on source changes (resetting every object and
  // the fault rules), and a soak must not care that someone edits the code meanwhile.
  for (const [config, name] of [[workerConfig, "worker"], [cronConfig, "cron"]]) {
    const out = join(dir, `dist-${name}`);
    wrangler(["deploy", "--dry-run", "--outdir", out, "-c", config], { quiet: true });
    const bundled = JSON.parse(readFileSync(config, "utf8"));
    bundled.main = relative(dir, join(out, "index.js"));
    writeFileSync(config, JSON.stringify(bundled, null, 2));
  }
  return { workerConfig, cronConfig };
}

function startWrangler(args) {
  const child = spawn(join(workerDir, "node_modules", ".bin", "wrangler"), args, {
    cwd: workerDir,
    stdio: ["ignore", process.env.SOAK_VERBOSE ? "inherit" : "ignore", process.env.SOAK_VERBOSE ? "inherit" : "ignore"],
    detached: true,
    env: process.env,
  });
  children.push(child);
  return child;
}

// --- the customer's webhook endpoint -------------------------------------------------------------

/**
 * Every delivery the endpoint got, by event id (`webhook-id`, the same on every retry). It refuses
 * some first deliveries with a 500, so those are retried (5 s later).
 */
const received = { deliveries: 0, refused: 0, events: new Map(), refusedIds: new Set() };
async function startReceiver(port) {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.deliveries += 1;
      const id = req.headers["webhook-id"];
      if (!received.events.has(id) && !received.refusedIds.has(id) && Math.random() < 0.03) {
        received.refused += 1;
        received.refusedIds.add(id);
        res.writeHead(500).end();
        return;
      }
      try {
        const event = JSON.parse(body);
        received.events.set(id, { type: event.type, callId: event.data?.call_id ?? null });
      } catch {
        // not ours
      }
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
}

// --- HTTP to the API, retried as a careful client would -------------------------------------------

let BASE = "";
/** Answers that were not JSON (the runtime's own error pages): counted and shown at the end. */
const unparsed = [];
async function request(path, init = {}, { retries = 40, okStatuses } = {}) {
  for (let attempt = 1; ; attempt++) {
    let res;
    try {
      res = await fetch(`${BASE}${path}`, init);
    } catch (error) {
      if (attempt >= retries) throw error;
      await sleep(Math.min(2000, 100 * attempt));
      continue;
    }
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // The runtime's own answer (e.g. an object reset while the request waited on it): not ours to read.
      unparsed.push(`${res.status} ${init.method ?? "GET"} ${path}: ${text.slice(0, 120)}`);
      if (res.status < 500) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${text.slice(0, 200)}`);
    }
    if (res.status < 500 || (okStatuses && okStatuses.includes(res.status))) return { status: res.status, body, headers: res.headers };
    if (attempt >= retries) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${text.slice(0, 200)}`);
    await sleep(Math.min(2000, 100 * attempt));
  }
}

/**
 * Tenants (their API keys stored hashed, as the API stores them) and their patients, written to the
 * run's local D1 before the worker starts: thousands of POST /api/v1/patients would take minutes.
 */
function seed(workerConfig) {
  const now = Date.now();
  const q = (v) => (v === null ? "NULL" : `'${String(v).replaceAll("'", "''")}'`);
  const tenants = [];
  const sql = [];
  for (let t = 0; t < TENANTS; t++) {
    const id = randomUUID();
    const apiKey = `soak-key-${t}-${process.pid}`;
    const hash = createHash("sha256").update(apiKey).digest("hex");
    sql.push(`INSERT INTO tenants (id, name, concurrency_limit, timezone, created_at) VALUES (${q(id)}, ${q(`Soak clinic ${t}`)}, ${LINES}, 'America/New_York', ${now});`);
    sql.push(`INSERT INTO api_keys (id, tenant_id, key_hash, prefix, name, created_at) VALUES (${q(randomUUID())}, ${q(id)}, ${q(hash)}, 'soak-key', 'soak', ${now});`);
    tenants.push({ id, key: { "X-API-Key": apiKey }, agents: [], patients: [], intended: 0 });
  }
  const rows = [];
  for (let i = 0; i < CALLS; i++) {
    const tenant = tenants[i % TENANTS];
    const id = randomUUID();
    tenant.patients.push(id);
    rows.push(`(${q(id)}, ${q(tenant.id)}, 'Soak', ${q(`Patient${i}`)}, ${q(`+1555${String(1_000_000 + i).padStart(7, "0")}`)}, 'America/Chicago', ${now}, ${now})`);
  }
  for (let i = 0; i < rows.length; i += 500) {
    sql.push(`INSERT INTO patients (id, tenant_id, first_name, last_name, phone_number, timezone, created_at, updated_at) VALUES ${rows.slice(i, i + 500).join(",\n")};`);
  }
  const file = join(dir, "seed.sql");
  writeFileSync(file, sql.join("\n"));
  wrangler(["d1", "execute", "DB", "--local", "--persist-to", state, "-c", workerConfig, "--file", file, "--yes"], { quiet: true });
  return tenants;
}

const json = (method, body, headers = {}) => ({ method, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });

async function pool(items, width, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

// --- the run ------------------------------------------------------------------------------------------

try {
  const [port, cronPort, hookPort] = [await freePort(), await freePort(), await freePort()];
  BASE = `http://127.0.0.1:${port}`;
  await buildAssets();
  const { workerConfig, cronConfig } = writeConfigs();
  log(`soak ${run}: ${CALLS} calls, ${TENANTS} tenants x ${LINES} lines; API :${port}, cron :${cronPort}, endpoint :${hookPort}; state in ${relative(root, state)}`);
  for (const { binding } of JSON.parse(readFileSync(workerConfig, "utf8")).d1_databases) wrangler(["d1", "migrations", "apply", binding, "--local", "--persist-to", state, "-c", workerConfig], { quiet: true });
  const tenants = seed(workerConfig);
  startWrangler(["dev", "-c", workerConfig, "--no-bundle", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state, "--inspector-port", "0"]);
  startWrangler(["dev", "-c", cronConfig, "--no-bundle", "--port", String(cronPort), "--ip", "127.0.0.1", "--persist-to", join(state, "cron"), "--inspector-port", "0"]);
  await startReceiver(hookPort);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${BASE}/`)).ok) break;
    } catch {
      // starting
    }
    if (i > 240) throw new Error("the API worker did not start");
    await sleep(500);
  }
  const fireCron = () => fetch(`http://127.0.0.1:${cronPort}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => undefined);
  log("stack up");

  // Tenants (seeded before the worker started), each with agents of every ending and its endpoint.
  for (const tenant of tenants) {
    const key = tenant.key;
    const agents = [];
    for (const [outcome, weight, retry] of [["human", 6], ["voicemail", 1], ["no_answer", 1, true], ["busy", 1]]) {
      const agent = (
        await request(
          "/api/v1/agents",
          json("POST", { name: `Soak ${outcome}`, provider: "simulator", simulator: { outcome, durationMs: 2000 + Math.floor(Math.random() * 2000) }, ...(retry ? { retry: { maxAttempts: 2, spacingMinutes: 1 } } : {}) }, key),
        )
      ).body;
      for (let w = 0; w < weight; w++) agents.push(agent.id);
    }
    const endpoint = await request("/api/v1/webhook-endpoints", json("POST", { url: `http://127.0.0.1:${hookPort}/hooks/${tenant.id}`, events: ["call.created", "call.completed", "call.failed"] }, key));
    tenant.agents = agents;
    tenant.endpoint = endpoint.body.id;
  }
  log(`${TENANTS} tenants with ${CALLS} patients ready`);

  await request("/admin/faults", json("PUT", { rules: FAULTS, resetDials: true }, ADMIN));
  log(`faults on: ${FAULTS.map((f) => `${f.site}:${f.effect}${f.match ? `(${f.match})` : ""}@${f.probability}`).join(", ")}`);

  // Create requests, each under an Idempotency-Key; a 5xx is retried with the same key, and some
  // successful ones are sent again on purpose. Every answer for a key must name the same batch.
  const batchesByKey = new Map();
  const keyConflicts = [];
  const jobs = [];
  for (const tenant of tenants) {
    for (let i = 0; i < tenant.patients.length; i += BATCH) {
      const patients = tenant.patients.slice(i, i + BATCH).map((patientId) => ({ patientId }));
      const agentId = tenant.agents[Math.floor(Math.random() * tenant.agents.length)];
      jobs.push({ tenant, body: { agentId, patients, reason: "soak" }, key: `soak-${run}-${jobs.length}` });
    }
  }
  jobs.sort(() => Math.random() - 0.5);
  const callTenant = new Map();
  let createdCalls = 0;
  const cancelJobs = new Set(jobs.slice(0, 3).map((j) => j.key));
  const hangups = [];

  let done = false;
  const cronTimer = (async () => {
    // The cron every 20 s, fired twice at once; `wrangler dev` would not fire it at all.
    while (!done) {
      await Promise.all([fireCron(), fireCron()]);
      await sleep(20_000);
    }
  })();
  const progress = async () => {
    let live = 0;
    let waiting = 0;
    for (const tenant of tenants) {
      const lines = await request(`/admin/tenants/${tenant.id}/lines`, { headers: ADMIN }).catch(() => null);
      live += lines?.body?.live?.length ?? 0;
      waiting += lines?.body?.waiting ?? 0;
    }
    return { live, waiting };
  };
  const reporter = (async () => {
    while (!done) {
      await sleep(5_000);
      if (done) break;
      const { live, waiting } = await progress();
      log(`run ${Math.max(0, createdCalls - live - waiting)}/${CALLS} settled: created ${createdCalls}, on a line ${live}, waiting ${waiting}; endpoint got ${received.events.size} events`);
    }
  })();

  await pool(jobs, 6, async (job) => {
    const send = () => request("/api/v1/calls", json("POST", job.body, { ...job.tenant.key, "Idempotency-Key": job.key }), { retries: 60 });
    let res = await send();
    while (res.status === 409) {
      await sleep(1000);
      res = await send();
    }
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`);
    batchesByKey.set(job.key, res.body.batchId);
    job.tenant.intended += job.body.patients.length;
    createdCalls += res.body.calls.length;
    for (const c of res.body.calls) callTenant.set(c.callId, job.tenant);
    if (Math.random() < 0.1) {
      const again = await send();
      if (again.body?.batchId !== res.body.batchId) keyConflicts.push(job.key);
    }
    if (cancelJobs.has(job.key)) await request(`/api/v1/calls/campaigns/${res.body.batchId}/cancel`, { method: "POST", headers: job.tenant.key }, { okStatuses: [503] });
    // Now and then a patient's call is hung up, by a few requests at once.
    if (Math.random() < 0.15) {
      const callId = res.body.calls[0].callId;
      hangups.push(callId);
      await Promise.all([1, 2, 3].map(() => request(`/api/v1/calls/${callId}`, { method: "DELETE", headers: job.tenant.key })));
    }
  });
  log(`all ${jobs.length} create requests answered (${createdCalls} calls); waiting for every call to end`);

  // Every call ends (retries included: their spacing is a minute), then faults go off so the
  // stragglers (webhook retries, effect retries) settle and D1 can be read without them.
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const { live, waiting } = await progress();
    if (live === 0 && waiting === 0) break;
    if (Date.now() > deadline) {
      log(`gave up waiting: ${live} on a line, ${waiting} waiting`);
      break;
    }
    await sleep(3_000);
  }
  const firedReport = (await request("/admin/faults", { headers: ADMIN })).body.rules;
  await request("/admin/faults", json("PUT", { rules: [] }, ADMIN));
  log("faults off; letting deliveries and retries settle");

  // Read every call back.
  const calls = [];
  for (const tenant of tenants) {
    for (let start = 1; ; start += 500) {
      const page = await request(`/api/v1/calls?size=500&start=${start}`, { headers: tenant.key });
      calls.push(...page.body.data.map((c) => ({ id: c.id, status: c.status, tenant: tenant.id })));
      if (!page.body.pagination.hasMore) break;
    }
  }
  const announcedTerminal = () => {
    const byCall = new Map();
    const created = new Map();
    for (const [id, event] of received.events) {
      if (!event.callId) continue;
      const into = event.type === "call.created" ? created : event.type === "call.completed" || event.type === "call.failed" ? byCall : null;
      if (!into) continue;
      into.set(event.callId, new Set([...(into.get(event.callId) ?? []), id]));
    }
    return { byCall, created };
  };
  // Deliveries still pending in D1 are on their way (their senders work through them, and a retry
  // after a failed attempt comes 5 s, then 5 min later): wait until none is pending, firing the
  // cron's sweep, then count what the endpoint received. An event missing then is lost.
  const pendingDeliveries = async () => {
    let pending = 0;
    for (const tenant of tenants) {
      const page = await request(`/api/v1/webhook-endpoints/${tenant.endpoint}/deliveries?status=pending&size=1`, { headers: tenant.key });
      pending += page.body.pagination.total;
    }
    return pending;
  };
  const settleUntil = Date.now() + 40 * 60_000;
  for (;;) {
    const { byCall, created } = announcedTerminal();
    const missing = calls.filter((c) => (c.status === "completed" || c.status === "failed") && !byCall.has(c.id)).length + calls.filter((c) => !created.has(c.id)).length;
    const pending = await pendingDeliveries();
    if ((missing === 0 && pending === 0) || (pending === 0 && Date.now() > settleUntil - 35 * 60_000) || Date.now() > settleUntil) break;
    log(`deliveries: ${pending} pending, ${missing} events not yet received`);
    await Promise.all([fireCron(), sleep(10_000)]);
  }
  done = true;
  await Promise.all([cronTimer, reporter]);

  // The invariants.
  const report = (await request("/admin/faults", { headers: ADMIN })).body;
  const dialCounts = Object.values(report.dials);
  const maxDials = dialCounts.length ? Math.max(...dialCounts) : 0;
  const overDialed = Object.entries(report.dials).filter(([, n]) => n > 1);
  let linesLeaked = 0;
  let stillWaiting = 0;
  for (const tenant of tenants) {
    const lines = (await request(`/admin/tenants/${tenant.id}/lines`, { headers: ADMIN })).body;
    linesLeaked += lines.live.length;
    stillWaiting += lines.waiting;
  }
  const notEnded = calls.filter((c) => !TERMINAL.has(c.status));
  const { byCall, created } = announcedTerminal();
  const ended = calls.filter((c) => c.status === "completed" || c.status === "failed");
  const lostTerminal = ended.filter((c) => !byCall.has(c.id));
  const doubleTerminal = calls.filter((c) => (byCall.get(c.id)?.size ?? 0) > 1);
  const lostCreated = calls.filter((c) => !created.has(c.id));
  const extraCalls = tenants.reduce((n, t) => n + calls.filter((c) => c.tenant === t.id).length - t.intended, 0);
  const retriesThatCreated = keyConflicts.length + Math.max(0, extraCalls);
  const byStatus = {};
  for (const c of calls) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
  const fired = firedReport.map((r) => `${r.site}:${r.effect}${r.match ? `(${r.match})` : ""}=${r.fired}`);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);

  console.log(`
Soak ${run} finished in ${minutes} min: ${calls.length} calls (${jobs.length} create requests, ${hangups.length} hung up, ${cancelJobs.size} campaigns canceled)
  by status: ${JSON.stringify(byStatus)}
  endpoint: ${received.deliveries} deliveries received (${received.refused} refused with 500 and retried), ${received.events.size} distinct events
  simulator dials: ${dialCounts.length} call attempts dialed

  dials per call attempt (max 1): ${maxDials}
  lines leaked (0):               ${linesLeaked}${stillWaiting ? ` (and ${stillWaiting} still waiting)` : ""}
  calls not ended (0):            ${notEnded.length}
  events lost (0):                ${lostTerminal.length + lostCreated.length} (terminal ${lostTerminal.length}, call.created ${lostCreated.length}); announced twice: ${doubleTerminal.length}
  idempotent retries that created anything (0): ${retriesThatCreated}
`);
  if (overDialed.length) console.log(`  over-dialed: ${overDialed.slice(0, 10).map(([k, n]) => `${k}=${n}`).join(", ")}`);
  if (notEnded.length) console.log(`  not ended: ${notEnded.slice(0, 10).map((c) => `${c.id}:${c.status}`).join(", ")}`);
  if (lostTerminal.length) console.log(`  terminal events lost: ${lostTerminal.slice(0, 10).map((c) => c.id).join(", ")}`);
  console.log(`  faults fired: ${fired.join(", ")}`);
  if (unparsed.length) console.log(`  answers that were not JSON (retried): ${unparsed.length}, e.g. ${unparsed.slice(0, 3).join(" | ")}`);
  const ok = maxDials <= 1 && linesLeaked === 0 && notEnded.length === 0 && lostTerminal.length + lostCreated.length === 0 && doubleTerminal.length === 0 && retriesThatCreated === 0 && calls.length >= CALLS;
  await cleanUp();
  process.exit(ok ? 0 : 1);
} catch (error) {
  console.error(`soak failed: ${error instanceof Error ? error.stack : String(error)}`);
  await cleanUp();
  process.exit(2);
}
