// Builds the browser side into dist/, which the API worker serves as its static assets
// (apps/worker/wrangler.jsonc `assets`): the console's bundle and the docs page's Scalar bundle.
// Run by wrangler before `wrangler dev` and `wrangler deploy` (its `build.command`), and by the
// worker's vitest config before the tests. Everything is bundled from pinned packages: no CDN.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
export const distDir = join(here, "dist");

export async function buildAssets({ quiet = false } = {}) {
  rmSync(distDir, { recursive: true, force: true });
  mkdirSync(join(distDir, "docs", "assets"), { recursive: true });
  await build({
    entryPoints: { "console/assets/app": join(here, "src", "main.tsx"), "docs/assets/init": join(here, "src", "docs-init.ts") },
    outdir: distDir,
    bundle: true,
    minify: true,
    sourcemap: "linked",
    format: "esm",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    loader: { ".css": "css" },
    logLevel: quiet ? "error" : "warning",
  });
  // Scalar's standalone build, as published (one file, no further loads once fonts are off).
  const scalarDist = dirname(createRequire(import.meta.url).resolve("@scalar/api-reference")); // …/dist/index.js
  copyFileSync(join(scalarDist, "browser", "standalone.js"), join(distDir, "docs", "assets", "scalar-api-reference.js"));
  // Headers Cloudflare adds to the files it serves from here.
  writeFileSync(join(distDir, "_headers"), "/*\n  X-Content-Type-Options: nosniff\n");
  if (!quiet) console.log(`console: built ${distDir}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildAssets();
