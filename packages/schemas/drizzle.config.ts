import { defineConfig } from "drizzle-kit";

// Migrations are generated here and applied by wrangler (apps/worker's migrations_dir points at them).
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
