import { defineConfig } from "drizzle-kit";

// Migrations are generated here and applied by wrangler (apps/worker's migrations_dir points at them).
export default defineConfig({
  dialect: "sqlite",
  // Every file in src/db declares tables; each area of the product keeps its own.
  schema: "./src/db/*.ts",
  out: "./migrations",
});
