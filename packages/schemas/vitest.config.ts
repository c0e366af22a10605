import { defineConfig } from "vitest/config";

// Pure functions only: plain Node, no workerd pool.
export default defineConfig({
  test: {
    environment: "node",
    // No test shares mutable state (the only module state is a cache of Intl formatters), so one
    // module graph serves every file: the package import costs seconds when repeated per file.
    isolate: false,
    include: ["test/**/*.test.ts"],
  },
});
