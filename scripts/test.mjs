// `pnpm test`: every package's tests, one package at a time (turbo), from a fresh clone too:
// installs the workspace if needed and runs on the pinned Node 22 (scripts/lib/bootstrap.mjs).
// The console's browser tests need Chromium: when it is missing and this machine can install it
// (root with apt-get, as in CI), it is installed first.
import { spawn } from "node:child_process";
import { bootstrap } from "./lib/bootstrap.mjs";

await bootstrap(import.meta.url);
const { ensureChromium, root } = await import("./lib/local.mjs");

ensureChromium();
const turbo = spawn("turbo", ["run", "test", "--concurrency=1", ...process.argv.slice(2)], { cwd: root, stdio: "inherit", env: process.env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => turbo.kill(signal));
turbo.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
