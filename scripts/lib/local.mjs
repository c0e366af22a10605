// Helpers shared by the local scripts (dev, bench): run wrangler from apps/worker, migrate, seed.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const workerDir = join(root, "apps", "worker");
export const cronDir = join(root, "apps", "cron");
const wranglerBin = join(workerDir, "node_modules", ".bin", "wrangler");

/** Fixed ids of the demo data, so the README's curl session can name them. */
export const DEMO = {
  tenantId: "00000000-0000-4000-8000-000000000001",
  apiKey: "demo-key-local",
  apiKeyId: "00000000-0000-4000-8000-000000000002",
  patientId: "00000000-0000-4000-8000-000000000003",
  agentId: "00000000-0000-4000-8000-000000000004",
};

/** A second demo tenant, whose data the directory places on shard 1 (`DB_1`). */
export const DEMO_SHARD_1 = {
  tenantId: "00000000-0000-4000-8000-000000000011",
  apiKey: "demo-key-shard-1",
  apiKeyId: "00000000-0000-4000-8000-000000000012",
  patientId: "00000000-0000-4000-8000-000000000013",
  agentId: "00000000-0000-4000-8000-000000000014",
};

export function wrangler(args, options = {}) {
  const result = spawnSync(wranglerBin, args, { cwd: workerDir, stdio: options.quiet ? "pipe" : "inherit", env: wranglerEnv() });
  if (result.status !== 0) {
    if (options.quiet) process.stderr.write(result.stderr ?? "");
    throw new Error(`wrangler ${args.join(" ")} failed (exit ${result.status})`);
  }
  return result.stdout?.toString() ?? "";
}

/**
 * wrangler's environment: no fetch of Cloudflare's `Request.cf` sample (nothing here reads it, and
 * offline it fails noisily on every start) and no usage metrics, unless the caller says otherwise.
 */
const wranglerEnv = () => ({ CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", ...process.env });

export function wranglerAsync(args, options = {}) {
  return spawn(wranglerBin, args, { cwd: workerDir, stdio: "inherit", env: wranglerEnv(), ...options });
}

/** The console's bundle and the docs page's Scalar bundle, which the worker serves as static assets. */
export async function buildAssets() {
  const { buildAssets: build } = await import(pathToFileURL(join(root, "apps", "console", "build.mjs")).href);
  await build({ quiet: true });
}

/** Waits until something listens on 127.0.0.1:`port`; throws after `timeoutMs`. */
export async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = connect({ port, host: "127.0.0.1" });
      socket.once("connect", () => socket.end(() => resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits until `url` answers 2xx; throws after `timeoutMs`. */
export async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Local secrets: .dev.vars from the committed example when missing. */
export function ensureDevVars() {
  for (const dir of [workerDir, cronDir]) {
    const target = join(dir, ".dev.vars");
    const example = join(dir, ".dev.vars.example");
    if (!existsSync(target) && existsSync(example)) copyFileSync(example, target);
  }
  // A .dev.vars from before the contact policy opened the window with CALLING_HOURS=00:00-24:00,
  // which now only narrows the legal hours: keep the quick start working at night, for the simulator only.
  const workerVars = join(workerDir, ".dev.vars");
  const text = existsSync(workerVars) ? readFileSync(workerVars, "utf8") : "";
  if (/^CALLING_HOURS=00:00-24:00\s*$/m.test(text) && !/^DEV_WIDE_CALLING_WINDOW=/m.test(text)) {
    appendFileSync(workerVars, "\n# Added by pnpm dev: simulator calls at any hour (CALLING_HOURS can no longer widen the legal hours).\nDEV_WIDE_CALLING_WINDOW=true\n");
    console.log("apps/worker/.dev.vars: added DEV_WIDE_CALLING_WINDOW=true (CALLING_HOURS can only narrow 08:00-21:00 now)");
  }
}

/** The D1 bindings of the API worker: shard 0 (`DB`, which also holds the tenant directory) and shard 1. */
export const SHARDS = ["DB", "DB_1"];

export function migrateLocal(persistTo) {
  const extra = persistTo ? ["--persist-to", persistTo] : [];
  for (const binding of SHARDS) wrangler(["d1", "migrations", "apply", binding, "--local", ...extra], { quiet: true });
}

const sqlString = (value) => (value === null ? "NULL" : `'${String(value).replaceAll("'", "''")}'`);

/**
 * The demo tenants (keys `demo-key-local` on shard 0 and `demo-key-shard-1` on shard 1, stored
 * hashed like any key), each with a patient and an agent. Keys, tenants and the directory live on
 * shard 0; a shard-1 tenant's row is on both, its data on shard 1.
 */
export function seedLocal(persistTo) {
  const extra = persistTo ? ["--persist-to", persistTo] : [];
  const now = Date.now();
  const shard1 = seedSql(DEMO_SHARD_1, "Demo Clinic (shard 1)", now);
  wrangler(["d1", "execute", "DB", "--local", ...extra, "--command", [seedSql(DEMO, "Demo Clinic", now).control, seedSql(DEMO, "Demo Clinic", now).data, shard1.control,
    `INSERT OR IGNORE INTO tenant_shards (tenant_id, shard, updated_at) VALUES (${sqlString(DEMO_SHARD_1.tenantId)}, 1, ${now});`].join("\n")], { quiet: true });
  wrangler(["d1", "execute", "DB_1", "--local", ...extra, "--command", [shard1.tenant, shard1.data].join("\n")], { quiet: true });
}

function seedSql(demo, name, now) {
  const keyHash = createHash("sha256").update(demo.apiKey).digest("hex");
  const agentSettings = JSON.stringify({
    prompt: "You are a friendly clinic assistant confirming appointments.",
    greeting: "Hi, this is Ava from Sunrise Clinic.",
    assistantType: "CALL_REMINDER",
    voice: "alloy",
    language: "en-US",
    maxDurationSeconds: 900,
    simulator: { outcome: "human", durationMs: 10000 },
  });
  const tenant = `INSERT OR IGNORE INTO tenants (id, name, concurrency_limit, timezone, created_at) VALUES (${sqlString(demo.tenantId)}, ${sqlString(name)}, 10, 'America/New_York', ${now});`;
  return {
    tenant,
    control: [
      tenant,
      `INSERT OR IGNORE INTO api_keys (id, tenant_id, key_hash, prefix, name, created_at, revoked_at) VALUES (${sqlString(demo.apiKeyId)}, ${sqlString(demo.tenantId)}, ${sqlString(keyHash)}, ${sqlString(demo.apiKey.slice(0, 8))}, 'demo (local only)', ${now}, NULL);`,
    ].join("\n"),
    data: [
      `INSERT OR IGNORE INTO patients (id, tenant_id, first_name, last_name, phone_number, birth_date, email, timezone, created_at, updated_at) VALUES (${sqlString(demo.patientId)}, ${sqlString(demo.tenantId)}, 'John', 'Doe', '+15555551234', '1990-01-01', 'john.doe@example.com', 'America/New_York', ${now}, ${now});`,
      `INSERT OR IGNORE INTO agents (id, tenant_id, name, provider, settings, created_at, updated_at) VALUES (${sqlString(demo.agentId)}, ${sqlString(demo.tenantId)}, 'Appointment reminder', 'simulator', ${sqlString(agentSettings)}, ${now}, ${now});`,
    ].join("\n"),
  };
}

/** Where the console's browser tests find Chromium (Debian's package). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Installs Debian's Chromium when it is missing and this machine can (root, apt-get); otherwise says how. */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const canInstall = process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
  if (!canInstall) {
    console.warn(`Chromium is not at ${CHROMIUM}: the console's browser tests will fail. Install it (apt-get install chromium) or set CHROMIUM_PATH.`);
    return;
  }
  console.log("Installing Chromium for the console's browser tests (apt-get install chromium)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "chromium"]]) {
    const result = spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed (exit ${result.status})`);
  }
}
