import type { App } from "./context";
import { serveAsset, setPageSecurityHeaders } from "./middleware/static-assets";

/**
 * A page that renders /openapi.json for a person: Scalar's standalone build, pinned in
 * apps/console's lockfile entry and served from this worker's own assets, so it renders with no
 * internet access.
 */
const DOCS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <title>Switchboard API</title>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
  </head>
  <body>
    <div id="app"></div>
    <script src="/docs/assets/scalar-api-reference.js"></script>
    <script src="/docs/assets/init.js"></script>
  </body>
</html>`;

/** The document's own settings: what `/openapi.json` serves and what `pnpm sdk:generate` reads. */
export const OPENAPI_DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "Switchboard API",
    version: "1.0.0",
    description:
      "One normalized API for AI phone calls and patient messaging. Errors use the envelope `{ success: false, error: { status, message, timestamp, requestId, path, method } }`.",
    license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
  },
  // Relative: resolved against wherever this document is served from (any deployment, or the local stack).
  servers: [{ url: "/", description: "This deployment" }],
};

type Json = unknown;

/**
 * zod-to-openapi writes a nullable reference (`CallPatient.nullable()`) as
 * `allOf: [{ $ref }, { type: ["object", "null"] }]`, which no value satisfies when null (the
 * referenced schema is an object) and which generated clients read as an impossible type. OpenAPI
 * 3.1 says it as `anyOf: [{ $ref }, { type: "null" }]`.
 */
function nullableRefsAsAnyOf(node: Json): Json {
  if (Array.isArray(node)) return node.map(nullableRefsAsAnyOf);
  if (node === null || typeof node !== "object") return node;
  const entries = Object.entries(node as Record<string, Json>).map(([k, v]) => [k, nullableRefsAsAnyOf(v)] as const);
  const out = Object.fromEntries(entries) as Record<string, Json>;
  const allOf = out.allOf;
  if (Array.isArray(allOf) && allOf.length === 2) {
    const [ref, nullable] = allOf as [Record<string, Json>, Record<string, Json>];
    const types = nullable?.type;
    if (typeof ref?.$ref === "string" && Object.keys(nullable ?? {}).length === 1 && Array.isArray(types) && types.includes("null")) {
      delete out.allOf;
      out.anyOf = [ref, { type: "null" }];
    }
  }
  return out;
}

/** The OpenAPI document of every surface mounted on `app`: what /openapi.json serves and `pnpm sdk:generate` reads. */
export function openApiDocument(app: App) {
  return nullableRefsAsAnyOf(app.getOpenAPI31Document(OPENAPI_DOCUMENT)) as ReturnType<App["getOpenAPI31Document"]>;
}

export function registerDocs(app: App) {
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKeyAuth", { type: "apiKey", in: "header", name: "X-API-Key" });
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKeyHeader", {
    type: "apiKey",
    in: "header",
    name: "API-KEY",
    description: "May be sent with a TENANT header, which must then name the key's tenant (else 403).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "BearerAuth", { type: "http", scheme: "bearer", description: "An API key as a bearer token" });
  app.openAPIRegistry.registerComponent("securitySchemes", "AdminToken", { type: "http", scheme: "bearer", description: "The operator's ADMIN_TOKEN" });

  app.get("/openapi.json", (c) => c.json(openApiDocument(app)));
  app.get("/docs", (c) => {
    setPageSecurityHeaders(c);
    return c.html(DOCS_HTML);
  });
  app.get("/docs/assets/*", serveAsset);
}
