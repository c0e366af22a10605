import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const consoleDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(consoleDir, "..", "..");
export const artifacts = join(consoleDir, "test-results");

/** A port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Stack {
  base: string;
  adminToken: string;
  stop(): Promise<void>;
}

/**
 * `pnpm dev` as a user runs it (scripts/dev.mjs), on free ports and fresh local data, its output in
 * test-results/dev.log. Resolves once it has said it is ready.
 */
export async function startStack(): Promise<Stack> {
  mkdirSync(artifacts, { recursive: true });
  const [port, cronPort] = [await freePort(), await freePort()];
  const persist = mkdtempSync(join(tmpdir(), "switchboard-console-e2e-"));
  const log = createWriteStream(join(artifacts, "dev.log"));
  const child: ChildProcess = spawn(process.execPath, [join(root, "scripts", "dev.mjs")], {
    cwd: root,
    env: { ...process.env, PORT: String(port), CRON_PORT: String(cronPort), PERSIST_DIR: persist },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const take = (chunk: Buffer) => {
      log.write(chunk);
      output += chunk.toString();
      if (output.includes("Switchboard is ready")) resolve();
    };
    child.stdout!.on("data", take);
    child.stderr!.on("data", take);
    child.once("exit", (code) => reject(new Error(`pnpm dev exited (${code}) before it was ready: see test-results/dev.log`)));
  });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    log.end();
    rmSync(persist, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  const devVars = readFileSync(join(root, "apps", "worker", ".dev.vars"), "utf8");
  const adminToken = devVars.match(/^ADMIN_TOKEN=(.*)$/m)?.[1]?.trim() ?? "";
  return { base: `http://localhost:${port}`, adminToken, stop };
}
