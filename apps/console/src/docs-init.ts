// Starts Scalar's API reference on /docs (the standalone bundle defines `Scalar`).
declare const Scalar: { createApiReference(selector: string, options: Record<string, unknown>): unknown };

Scalar.createApiReference("#app", {
  url: "/openapi.json",
  // Everything from this origin: no web fonts from Scalar's CDN, no telemetry, no hosted proxy.
  withDefaultFonts: false,
  telemetry: false,
  proxyUrl: "",
  hideClientButton: true,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
  // The bundle's stylesheet still names Scalar's hosted Inter: use the system's fonts instead.
  customCss: ":root, .light-mode, .dark-mode { --scalar-font: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; --scalar-font-code: ui-monospace, SFMono-Regular, Menlo, monospace; }",
});
