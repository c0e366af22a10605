// `pnpm dev`: the whole local stack on http://localhost:8787.
// Applies D1 migrations to both shards (DB, DB_1), seeds the demo tenants (API keys `demo-key-local`
// on shard 0, `demo-key-shard-1` on shard 1), runs the API worker
// on :8787 and the cron worker on :8788 (two `wrangler dev` processes joined by wrangler's dev
// registry: the cron reaches the API through its service binding), and fires the cron every
// minute, since `wrangler dev` never fires cron triggers by itself.
import { cronDir, DEMO, DEMO_SHARD_1, ensureDevVars, migrateLocal, seedLocal, wranglerAsync } from "./lib/local.mjs";

const PORT = Number(process.env.PORT ?? 8787);
const CRON_PORT = Number(process.env.CRON_PORT ?? 8788);

if (Number(process.versions.node.split(".")[0]) < 22) {
  console.error(`Node ${process.versions.node} is too old: run through pnpm (the workspace pins Node 22).`);
  process.exit(1);
}

ensureDevVars();
console.log("Applying D1 migrations (local)…");
migrateLocal();
console.log("Seeding demo data…");
seedLocal();

const api = wranglerAsync(["dev", "--port", String(PORT), "--ip", "127.0.0.1"]);
const cron = wranglerAsync(["dev", "--port", String(CRON_PORT), "--ip", "127.0.0.1", "--inspector-port", "0"], { cwd: cronDir });
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

console.log(`
Switchboard is starting on http://localhost:${PORT}
  API key (demo tenant): ${DEMO.apiKey}   (shard 0, DB)
  API key (2nd tenant):  ${DEMO_SHARD_1.apiKey} (shard 1, DB_1)
  Admin token:           dev-admin-token
  Demo patient:          ${DEMO.patientId}
  Demo agent:            ${DEMO.agentId}
  Docs:                  http://localhost:${PORT}/docs
  Cron:                  fired every minute; now: curl http://localhost:${CRON_PORT}/cdn-cgi/local/scheduled
`);

const stop = () => children.forEach((child) => child.kill("SIGTERM"));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
for (const child of children) child.on("exit", (code) => { stop(); process.exit(code ?? 0); });
