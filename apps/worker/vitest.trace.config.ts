import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, mergeConfig, type ViteUserConfig } from "vitest/config";
import type { Reporter, TestCase } from "vitest/node";
import base from "./vitest.config.ts";

/**
 * For `pnpm trace:create-call` only (scripts/trace-call-path.mjs): runs test/trace/*.trace.ts with
 * istanbul instrumentation of the source modules the run loads. The normal config never matches
 * these files (its include is vitest's default `*.test.ts`/`*.spec.ts`) and has no coverage, so the
 * normal suite is unchanged.
 */
const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, process.env.TRACE_OUT ?? ".trace/create-call.raw.json");

/** Writes what the trace test put in its task meta (the test runs in workerd, which cannot write files here). */
class TraceReporter implements Reporter {
  onTestCaseResult(testCase: TestCase) {
    const trace = (testCase.meta() as Record<string, unknown>).trace;
    if (trace === undefined) return;
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(trace));
  }
}

export default defineConfig(async (env) => {
  const resolved = (typeof base === "function" ? await base(env) : await base) as ViteUserConfig;
  return mergeConfig(resolved, {
    test: {
      include: ["test/trace/**/*.trace.ts"],
      reporters: ["default", new TraceReporter()],
      coverage: {
        enabled: true,
        provider: "istanbul",
        // No `include`: with one, vitest also instruments every matching file the run never loaded (to
        // report it as uncovered), which fails inside the workers pool. Without it, every source module
        // the run loads is instrumented, bar these; the trace keeps apps/worker/src and packages/*/src.
        exclude: ["test/**", "**/*.d.ts", "**/node_modules/**", "vitest*.config.ts"],
        // packages/* are outside this project's root.
        allowExternal: true,
        // The trace reads the counters itself; istanbul's own report is not needed.
        reporter: ["json-summary"],
        reportsDirectory: ".trace/coverage",
      },
    },
  } satisfies ViteUserConfig);
});
