/**
 * The layering rule of apps/worker, checked in CI (`pnpm deps`), type-only imports included:
 *
 *   entry (index.ts, internal.ts)
 *     → http/            Hono: one sub-app per surface, middleware, error envelopes, OpenAPI
 *       → use cases      calls/ campaigns/ messages/ patients/ agents/ users/ chats/ consent/ tenants/ idempotency/ lifecycle/
 *         → services     objects/ (Durable Objects) voice/ sms/ customer-webhooks/ audit/ contact-policy/ shards/ env.ts scope.ts
 *           → lib        lib/ errors.ts
 *             → packages/schemas, packages/providers
 *
 * An import may point down any number of layers, never up; no cycles anywhere.
 */
const SRC = "^apps/worker/src/";
const ENTRY = `${SRC}(index|internal)\\.ts$`;
const HTTP = `${SRC}http/`;
const USE_CASES = `${SRC}(calls|campaigns|messages|patients|agents|users|chats|consent|tenants|idempotency|lifecycle)/`;
const SERVICES = `${SRC}((objects|voice|sms|customer-webhooks|audit|contact-policy|shards)/|(env|scope)\\.ts$)`;
const LIB = `${SRC}(lib/|errors\\.ts$)`;

const upward = (name, from, to, comment) => ({ name, comment, severity: "error", from: { path: from }, to: { path: to } });

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles, type-only ones included, tie modules together so neither can be read or changed alone.",
      from: {},
      to: { circular: true },
    },
    upward("http-up", HTTP, ENTRY, "http/ never imports the entry points."),
    upward("use-case-up", USE_CASES, `(${HTTP}|${ENTRY})`, "Use cases know nothing of HTTP or of any surface."),
    upward("service-up", SERVICES, `(${USE_CASES}|${HTTP}|${ENTRY})`, "Durable Objects, storage and transports never call up into use cases or HTTP."),
    upward("lib-up", LIB, `${SRC}(?!lib/|errors\\.ts$)`, "lib/ is leaf code: it imports nothing else of the worker."),
    {
      name: "hono-only-in-http",
      comment: "Only the HTTP layer (and the entry point) speaks Hono.",
      severity: "error",
      from: { path: SRC, pathNot: `(${HTTP}|${ENTRY})` },
      to: { path: "node_modules/(hono|@hono)/" },
    },
    {
      name: "surfaces-stand-alone",
      comment: "A surface translates onto the core; it never borrows another surface's code (shared pieces live in http/middleware, http/openapi and http/wire).",
      severity: "error",
      from: { path: `${HTTP}([^/]+)/` },
      to: { path: `${HTTP}([^/]+)/`, pathNot: [`${HTTP}$1/`, `${HTTP}(middleware|openapi|wire)/`] },
    },
    upward("packages-down", "^packages/", "^apps/", "Shared packages never import an app."),
    upward("schemas-at-bottom", "^packages/schemas/", "^packages/providers/", "schemas is the lowest package."),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "apps/worker/tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
    exclude: { path: "^(apps|packages)/[^/]+/(test|dist)/|\\.test\\.ts$" },
  },
};
