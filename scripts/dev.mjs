// `pnpm dev`: the whole local stack, from a fresh clone. Installs the workspace if needed (then runs
// on the pinned Node 22), builds the console and docs assets, applies the D1 migrations to both
// shards (DB, DB_1), seeds the demo tenants (API keys `demo-key-local` on shard 0, `demo-key-shard-1`
// on shard 1), runs the API worker on :8787 and the cron worker on :8788
// (two `wrangler dev` processes joined by wrangler's dev registry: the cron reaches the API through
// its service binding), fires the cron every minute (`wrangler dev` never does), and says when the
// API answers. PORT and CRON_PORT move it; PERSIST_DIR keeps its local data elsewhere (e.g. a fresh
// directory per test run).
import { bootstrap } from "./lib/bootstrap.mjs";

await bootstrap(import.meta.url);
const { buildAssets, cronDir, DEMO, DEMO_SHARD_1, ensureDevVars, migrateLocal, seedLocal, waitForHttp, waitForPort, wranglerAsync } = await import("./lib/local.mjs");

const PORT = Number(process.env.PORT ?? 8787);
const CRON_PORT = Number(process.env.CRON_PORT ?? 8788);
const PERSIST = process.env.PERSIST_DIR;
const persistArgs = PERSIST ? ["--persist-to", PERSIST] : [];
const base = `http://localhost:${PORT}`;
const step = (text) => console.log(`\n▸ ${text}`);

ensureDevVars();
step("Building the console and the docs page (apps/console → its dist/, the worker's static assets)…");
await buildAssets();
step("Applying D1 migrations (local)…");
migrateLocal(PERSIST);
step("Seeding the demo tenant, patient and agent…");
seedLocal(PERSIST);
step(`Starting the API worker on :${PORT} and the cron worker on :${CRON_PORT} (wrangler dev)…`);

// wrangler runs the same build again (wrangler.jsonc `build`) and repeats it when apps/console/src changes.
const api = wranglerAsync(["dev", "--port", String(PORT), "--ip", "127.0.0.1", "--show-interactive-dev-session=false", ...persistArgs]);
const cron = wranglerAsync(["dev", "--port", String(CRON_PORT), "--ip", "127.0.0.1", "--inspector-port", "0", "--show-interactive-dev-session=false", ...persistArgs], { cwd: cronDir });
const children = [api, cron];

/** Fires the cron worker's `* * * * *` trigger at the top of every minute, as Cloudflare would. */
function scheduleCron() {
  const msToNextMinute = 60_000 - (Date.now() % 60_000);
  setTimeout(async () => {
    try {
      await fetch(`http://127.0.0.1:${CRON_PORT}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("* * * * *")}`);
    } catch {
      // not up yet: the next minute will do
    }
    scheduleCron();
  }, msToNextMinute);
}
scheduleCron();

const stop = () => children.forEach((child) => child.kill("SIGTERM"));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
for (const child of children) child.on("exit", (code) => { stop(); process.exit(code ?? 0); });

await waitForHttp(`http://127.0.0.1:${PORT}/`, 180_000);
// The cron worker has no fetch handler: that it listens is all there is to know.
await waitForPort(CRON_PORT, 60_000);
console.log(`
✔ Switchboard is ready
  API:      ${base}/api/v1           (X-API-Key: ${DEMO.apiKey})
            a 2nd tenant, its data on shard 1 (DB_1): X-API-Key: ${DEMO_SHARD_1.apiKey}
  Console:  ${base}/console          (sign in with ${DEMO.apiKey}, or as operator with dev-admin-token)
  Docs:     ${base}/docs             (OpenAPI: ${base}/openapi.json)
  Admin:    ${base}/admin            (Authorization: Bearer dev-admin-token)
  Demo patient ${DEMO.patientId}, agent ${DEMO.agentId}
  Cron:     fired every minute; now: curl http://localhost:${CRON_PORT}/cdn-cgi/local/scheduled
  Stop with Ctrl-C.
`);
