// The entry scripts (`pnpm dev`, `pnpm test`, `pnpm bench`) start here, so each is one command on a
// fresh machine with Node 20 and npm: install the workspace when node_modules is missing or older
// than the lockfile, then run again on the Node 22 the workspace pins (node_modules/.bin/node).
// Only node: built-ins here: on a fresh clone nothing else is installed yet.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = join(root, "node_modules", ".bin");

/** node_modules matches pnpm-lock.yaml (pnpm keeps a copy of the lockfile it installed). */
function installed() {
  const current = join(root, "node_modules", ".pnpm", "lock.yaml");
  if (!existsSync(current) || !existsSync(join(bin, "node"))) return false;
  return readFileSync(current, "utf8") === readFileSync(join(root, "pnpm-lock.yaml"), "utf8");
}

function install() {
  console.log("Installing dependencies (pnpm install; first run or a changed lockfile)…");
  // Under `pnpm <script>`, npm_execpath is pnpm itself; run directly, fall back to npx.
  const pnpm = process.env.npm_execpath;
  const result = pnpm && /pnpm/.test(pnpm)
    ? spawnSync(process.execPath, [pnpm, "install", "--frozen-lockfile"], { cwd: root, stdio: "inherit" })
    : spawnSync("npx", ["-y", "pnpm@10", "install", "--frozen-lockfile"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("pnpm install failed: see above.");
    process.exit(result.status ?? 1);
  }
}

/**
 * Makes sure the workspace is installed and this script runs on Node 22. When it is not, runs the
 * script again on the pinned Node (Ctrl-C reaches it, as the same terminal's process group) and
 * exits with its exit code: the returned promise then never settles.
 */
export async function bootstrap(scriptUrl) {
  if (!installed()) install();
  process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ""}`;
  if (Number(process.versions.node.split(".")[0]) >= 22) return;
  const child = spawn(join(bin, "node"), [fileURLToPath(scriptUrl), ...process.argv.slice(2)], { stdio: "inherit", env: process.env });
  // The child gets the terminal's signals itself and cleans up; this process waits for it.
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  await new Promise(() => child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0))));
}
