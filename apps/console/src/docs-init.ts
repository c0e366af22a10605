// Starts Scalar's API reference on /docs (the standalone bundle defines `Scalar`).
declare const Scalar: { createApiReference(selector: string, options: Record<string, unknown>): unknown };

Scalar.createApiReference("#api-reference", {
  url: "/openapi.json",
  // Everything from this origin: no web fonts from Scalar's CDN, no telemetry, no hosted proxy.
  withDefaultFonts: false,
  telemetry: false,
  proxyUrl: "",
  hideClientButton: true,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
});
