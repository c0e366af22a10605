// Moves one tenant's data to another shard (docs/shards.md):
//   node scripts/move-tenant.mjs --tenant <id> --to <shard> [--local | --remote] [--persist-to <dir>] [--hold-wait-ms 15000]
// 1. holds the tenant's writes (tenant_shards.writes_held_at: the API answers 503 + Retry-After,
//    call objects retry their writes later) and waits for every isolate's caches (the directory's and
//    the API keys', which carry the tenant's shard) to see it (scripts/lib/move-timing.mjs);
// 2. copies every row of the tenant, table by table (scripts/lib/tenant-tables.mjs), in pages;
// 3. verifies every table on both sides: the row counts, then every row's contents, column by column;
// 4. flips the directory entry to the new shard and releases the writes;
// 5. waits as long again for every cache to see the new shard, then deletes the tenant's rows from
//    the old shard (audit rows stay: the trail is never edited).
// A failure before step 4 changes nothing for the tenant but the hold: rerun, or pass --release to let go.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { HOLD_WAIT_MS } from "./lib/move-timing.mjs";
import { TENANT_TABLES } from "./lib/tenant-tables.mjs";
import { wrangler } from "./lib/local.mjs";

const { values: args } = parseArgs({
  options: {
    tenant: { type: "string" },
    to: { type: "string" },
    local: { type: "boolean", default: false },
    remote: { type: "boolean", default: false },
    "persist-to": { type: "string" },
    "hold-wait-ms": { type: "string", default: String(HOLD_WAIT_MS) },
    release: { type: "boolean", default: false },
  },
});
if (!args.tenant || (args.to === undefined && !args.release) || args.local === args.remote) {
  console.error("usage: node scripts/move-tenant.mjs --tenant <id> --to <shard> (--local | --remote) [--persist-to <dir>] [--hold-wait-ms 15000] [--release]");
  process.exit(2);
}
const tenantId = args.tenant;
const target = args.release ? null : Number(args.to);
const where = [args.local ? "--local" : "--remote", ...(args["persist-to"] ? ["--persist-to", args["persist-to"]] : [])];
const binding = (shard) => (shard === 0 ? "DB" : `DB_${shard}`);
const lit = (v) => (v === null || v === undefined ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
const tmp = mkdtempSync(join(tmpdir(), "move-tenant-"));

function query(shard, sql) {
  const out = wrangler(["d1", "execute", binding(shard), ...where, "--json", "--command", sql], { quiet: true });
  return JSON.parse(out)[0].results;
}
function executeFile(shard, statements) {
  if (!statements.length) return;
  const file = join(tmp, `batch-${Date.now()}.sql`);
  writeFileSync(file, statements.join("\n"));
  wrangler(["d1", "execute", binding(shard), ...where, "--file", file], { quiet: true });
}
const cond = (table) => (table.where ?? "tenant_id = ?1").replaceAll("?1", lit(tenantId));
/** The tenant's row count in every table of a shard, in one query. */
function counts(shard) {
  // Scalar subqueries, not UNION ALL: D1 caps compound SELECTs at a few terms.
  return query(shard, `SELECT ${TENANT_TABLES.map((t) => `(SELECT COUNT(*) FROM ${t.name} WHERE ${cond(t)}) AS "${t.name}"`).join(", ")}`)[0];
}

const entry = query(0, `SELECT shard, writes_held_at FROM tenant_shards WHERE tenant_id = ${lit(tenantId)}`)[0];
if (!query(0, `SELECT id FROM tenants WHERE id = ${lit(tenantId)}`).length) throw new Error(`no tenant ${tenantId}`);
const source = entry?.shard ?? 0;
const release = () =>
  query(0, `UPDATE tenant_shards SET writes_held_at = NULL, updated_at = ${Date.now()} WHERE tenant_id = ${lit(tenantId)}`);
if (args.release) {
  release();
  console.log(`released the writes of ${tenantId} (on shard ${source})`);
  process.exit(0);
}
if (target === source) throw new Error(`tenant ${tenantId} is already on shard ${source}`);
const present = counts(target);
for (const table of TENANT_TABLES.filter((t) => t.name !== "tenants")) {
  if (present[table.name] > 0) throw new Error(`shard ${target} already has rows of ${tenantId} in ${table.name}: clean them up first`);
}

// 1. Hold.
query(0, `INSERT INTO tenant_shards (tenant_id, shard, writes_held_at, updated_at) VALUES (${lit(tenantId)}, ${source}, ${Date.now()}, ${Date.now()})
          ON CONFLICT (tenant_id) DO UPDATE SET writes_held_at = excluded.writes_held_at, updated_at = excluded.updated_at`);
console.log(`writes of ${tenantId} held; waiting ${args["hold-wait-ms"]} ms for caches and requests in flight`);
await new Promise((r) => setTimeout(r, Number(args["hold-wait-ms"])));

// 2. Copy.
const PAGE = 200;
const before = counts(source);
for (const table of TENANT_TABLES.filter((t) => before[t.name] > 0)) {
  let after = 0;
  let copied = 0;
  for (;;) {
    const rows = query(source, `SELECT rowid AS _rowid, * FROM ${table.name} WHERE ${cond(table)} AND rowid > ${after} ORDER BY rowid LIMIT ${PAGE}`);
    if (!rows.length) break;
    after = rows.at(-1)._rowid;
    executeFile(
      target,
      rows.map((row) => {
        const cols = Object.keys(row).filter((c) => c !== "_rowid" && !(table.autoId && c === "id"));
        const insert = `INTO ${table.name} (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map((c) => lit(row[c])).join(", ")})`;
        // The target may hold the tenant row already (shard 0 keeps every tenant's): it takes the
        // source's values, which hold the data plane's settings and call count.
        if (table.name === "tenants") return `INSERT ${insert} ON CONFLICT (id) DO UPDATE SET ${cols.filter((c) => c !== "id").map((c) => `"${c}" = excluded."${c}"`).join(", ")};`;
        return `${table.orIgnore ? "INSERT OR IGNORE" : "INSERT"} ${insert};`;
      }),
    );
    copied += rows.length;
  }
  if (copied) console.log(`copied ${copied} ${table.name}`);
}

// 3. Verify.
const [from, to] = [counts(source), counts(target)];
const mismatched = TENANT_TABLES.filter((t) => from[t.name] !== to[t.name]);
if (mismatched.length) {
  throw new Error(`row counts differ in ${mismatched.map((t) => t.name).join(", ")}: the directory was not flipped (writes still held; rerun after cleaning shard ${target}, or --release)`);
}
// Then the contents: both sides page by page in insertion order, every column compared (an
// autoincrement id is the target's own, so it is left out).
for (const table of TENANT_TABLES.filter((t) => from[t.name] > 0)) {
  const page = (shard, offset) => query(shard, `SELECT * FROM ${table.name} WHERE ${cond(table)} ORDER BY rowid LIMIT ${PAGE} OFFSET ${offset}`);
  const comparable = (row) => JSON.stringify(Object.entries(row).filter(([c]) => !(table.autoId && c === "id")).sort(([a], [b]) => (a < b ? -1 : 1)));
  for (let offset = 0; offset < from[table.name]; offset += PAGE) {
    const [a, b] = [page(source, offset), page(target, offset)];
    const differs = a.findIndex((row, i) => comparable(row) !== comparable(b[i] ?? {}));
    if (differs >= 0) {
      throw new Error(`${table.name} row ${offset + differs + 1} differs between shard ${source} and shard ${target}: the directory was not flipped (writes still held; rerun after cleaning shard ${target}, or --release)`);
    }
  }
}
console.log(`verified: ${TENANT_TABLES.filter((t) => from[t.name] > 0).map((t) => `${from[t.name]} ${t.name}`).join(", ")}`);

// 4. Flip and release.
query(0, `UPDATE tenant_shards SET shard = ${target}, writes_held_at = NULL, updated_at = ${Date.now()} WHERE tenant_id = ${lit(tenantId)}`);
console.log(`directory: ${tenantId} is on shard ${target}; writes released; waiting ${args["hold-wait-ms"]} ms for caches before cleaning shard ${source}`);
await new Promise((r) => setTimeout(r, Number(args["hold-wait-ms"])));

// 5. Clean up the old shard once no isolate can still be reading it (a cached key or directory entry
// points there for a few seconds after the flip), children first (shard 0 keeps the tenant row: it
// is the control plane's).
executeFile(
  source,
  [...TENANT_TABLES]
    .reverse()
    .filter((t) => from[t.name] > 0 && !t.appendOnly && !(t.name === "tenants" && source === 0))
    .map((t) => `DELETE FROM ${t.name} WHERE ${cond(t)};`),
);
console.log(`shard ${source} cleaned (audit rows kept: the trail is never edited)`);
