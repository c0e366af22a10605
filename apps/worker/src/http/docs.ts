import type { App } from "./context";

/** A page that renders /openapi.json for a person (Scalar, loaded by the browser). */
const DOCS_HTML = `<!doctype html>
<html>
  <head>
    <title>Switchboard API</title>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
  </head>
  <body>
    <script id="api-reference" data-url="/openapi.json"></script>
    <script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
  </body>
</html>`;

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

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Switchboard API",
      version: "1.0.0",
      description: "One normalized API for AI phone calls and patient messaging. Errors use the envelope `{ success: false, error: { status, message, timestamp, requestId, path, method } }`.",
    },
  });
  app.get("/docs", (c) => c.html(DOCS_HTML));
}
