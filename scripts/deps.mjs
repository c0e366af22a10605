// `pnpm deps`: the worker's layering rule (.dependency-cruiser.cjs). It first proves the checker
// still catches what it is there to catch (an upward import and a type-only cycle, planted for a
// moment and removed), then checks the real tree. Exits non-zero on any violation.
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const depcruise = join(root, "node_modules", ".bin", "depcruise");
const ROOTS = ["apps/worker/src", "apps/cron/src", "apps/console/src", "packages/schemas/src", "packages/providers/src", "packages/sdk/src"];

function cruise(paths) {
  const result = spawnSync(depcruise, [...paths, "--config", ".dependency-cruiser.cjs", "--output-type", "json"], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error || !result.stdout) throw new Error(`depcruise did not run: ${result.error?.message ?? result.stderr}`);
  return JSON.parse(result.stdout).summary.violations;
}

const probes = {
  "apps/worker/src/lib/__probe-up.ts": 'import type { Scope } from "../scope";\nexport type Probe = Scope;\n',
  "apps/worker/src/lib/__probe-cycle-a.ts": 'import type { B } from "./__probe-cycle-b";\nexport type A = { b?: B };\n',
  "apps/worker/src/lib/__probe-cycle-b.ts": 'import type { A } from "./__probe-cycle-a";\nexport type B = { a?: A };\n',
};
let caught;
try {
  for (const [path, text] of Object.entries(probes)) writeFileSync(join(root, path), text);
  caught = cruise(["apps/worker/src"]).filter((v) => v.from.includes("__probe"));
} finally {
  for (const path of Object.keys(probes)) rmSync(join(root, path), { force: true });
}
const rules = new Set(caught.map((v) => v.rule.name));
if (!rules.has("lib-up") || !rules.has("no-circular")) {
  console.error(`deps: the checker no longer catches planted violations (caught: ${[...rules].join(", ") || "nothing"})`);
  process.exit(1);
}

const violations = cruise(ROOTS);
for (const v of violations) console.error(`  ${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle: ${v.cycle.map((c) => c.name ?? c).join(" → ")})` : ""}`);
console.log(violations.length ? `deps: ${violations.length} violations` : `deps: no cycles, no upward imports (${ROOTS.join(", ")}); the checker caught the planted ones`);
process.exit(violations.length ? 1 : 0);
