// Helpers shared by the local scripts (dev, bench): run wrangler from apps/worker, migrate, seed.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
  const result = spawnSync(wranglerBin, args, { cwd: workerDir, stdio: options.quiet ? "pipe" : "inherit", env: process.env });
  if (result.status !== 0) {
    if (options.quiet) process.stderr.write(result.stderr ?? "");
    throw new Error(`wrangler ${args.join(" ")} failed (exit ${result.status})`);
  }
  return result.stdout?.toString() ?? "";
}

export function wranglerAsync(args, options = {}) {
  return spawn(wranglerBin, args, { cwd: workerDir, stdio: "inherit", env: process.env, ...options });
}

/** Local secrets: .dev.vars from the committed example when missing. */
export function ensureDevVars() {
  for (const dir of [workerDir, cronDir]) {
    const target = join(dir, ".dev.vars");
    const example = join(dir, ".dev.vars.example");
    if (!existsSync(target) && existsSync(example)) copyFileSync(example, target);
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
