import { defineConfig } from "vitest/config";

// The adapters need only fetch and WebCrypto: plain Node, no workerd pool.
export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    // One network (MSW), as in the worker's suite.
    setupFiles: ["./test/setup.ts"],
  },
});
