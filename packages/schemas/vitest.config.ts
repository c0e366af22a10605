import { defineConfig } from "vitest/config";

// Pure functions only: plain Node, no workerd pool.
export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
  },
});
