import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { buildAssets } from "../console/build.mjs";

export default defineConfig(async () => {
  // The static assets the worker serves (wrangler runs this as the custom build; the pool does not).
  await buildAssets({ quiet: true });
  // The same SQL files wrangler applies in dev and production.
  const migrations = await readD1Migrations(fileURLToPath(new URL("../../packages/schemas/migrations", import.meta.url)));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.jsonc" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token",
            ENVIRONMENT: "test",
            SECRETS_KEY: "a3klKYiIWsWZCz1S4Bw41Xeu6NfnjVomoniwRUcpEh4=",
            FILES_SIGNING_KEY: "test-files-signing-key-0123456789abcdef",
            // Short, so a test's dead customer endpoint is given up on quickly.
            WEBHOOK_ATTEMPT_TIMEOUT_MS: "1500",
            // Suites fire requests and 1,000-call batches far faster than a clinic would; the limits'
            // own tests set each tenant's limits through PATCH /admin/tenants/{id}.
            TENANT_LIMIT_DEFAULTS: JSON.stringify({ requestsPerSecond: 100_000, requestBurst: 100_000, callsPerMinute: 1_000_000 }),
            // Suites must not depend on the hour they run at: simulator calls and texts ignore the
            // calling hours (as locally); calls and texts through vendor fakes get the legal hours,
            // so their tests give patients a zone where it is daytime (test/helpers/tenants.ts `daytimeZone`).
            DEV_WIDE_CALLING_WINDOW: "true",
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      testTimeout: 30_000,
      // Both cores: each file has its own isolated storage, so files run side by side safely.
      maxWorkers: 2,
      deps: {
        // Pre-bundled once instead of transformed in every file's isolate.
        optimizer: {
          ssr: {
            enabled: true,
            include: [
              "@hono/zod-openapi", "hono", "hono/factory", "hono/http-exception", "hono/body-limit", "hono/cookie",
              "zod", "drizzle-orm", "drizzle-orm/sqlite-core", "drizzle-orm/d1", "drizzle-orm/batch", "libphonenumber-js/min",
              "msw", "msw/node",
            ],
            // workerd provides Node's built-ins (nodejs_compat): leave them to it.
            rolldownOptions: { external: [/^node:/, ...builtinModules] },
          },
        },
      },
    },
  };
});
