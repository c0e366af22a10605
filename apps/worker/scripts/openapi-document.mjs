// The worker's OpenAPI document, built in Node from the same route definitions the worker serves
// at /openapi.json (test/openapi-drift.test.ts checks the two agree). Used by `pnpm sdk:generate`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const workerDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Durable Object base classes are never constructed here: the document needs only the routes. */
const workersRuntimeStub = {
  name: "cloudflare-workers-stub",
  setup(b) {
    b.onResolve({ filter: /^cloudflare:/ }, (args) => ({ path: args.path, namespace: "stub" }));
    b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export class DurableObject {}\nexport class WorkerEntrypoint {}\n", loader: "js" }));
  },
};

export async function openApiDocument() {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-openapi-"));
  const outfile = join(dir, "document.mjs");
  try {
    await build({
      stdin: {
        contents: 'import { createApp } from "./src/http/app"; import { openApiDocument } from "./src/http/docs"; export default openApiDocument(createApp());',
        resolveDir: workerDir,
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile,
      logLevel: "error",
      plugins: [workersRuntimeStub],
    });
    return (await import(pathToFileURL(outfile).href)).default;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const json = `${JSON.stringify(await openApiDocument(), null, 2)}\n`;
  if (process.argv[2]) writeFileSync(process.argv[2], json);
  else process.stdout.write(json);
}
