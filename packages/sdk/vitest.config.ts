import { defineConfig } from "vitest/config";

// The client and the webhook verifier against fakes in plain Node; the worker's suite drives the
// same client against the real API (apps/worker/test/sdk.test.ts).
export default defineConfig({ test: { environment: "node", include: ["test/**/*.test.ts"] } });
