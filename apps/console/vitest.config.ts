import { defineConfig } from "vitest/config";

// The console in a real browser (Debian's Chromium through playwright-core) against the local stack
// that `pnpm dev` starts: one stack for the file, started in beforeAll.
export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
