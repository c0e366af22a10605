import { describe, expect, it } from "vitest";
import { api } from "../helpers/http";

describe("/docs without internet access", () => {
  it("loads only scripts of this origin, under a policy that forbids any other", async () => {
    const res = await api("/docs");
    expect(res.status).toBe(200);
    const html = await res.text();
    const scripts = [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(["/docs/assets/scalar-api-reference.js", "/docs/assets/init.js"]);
    expect(html).not.toMatch(/https?:\/\//);
    const csp = res.headers.get("Content-Security-Policy")!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
  });

  it("serves the pinned Scalar bundle and its starter from the worker's own assets", async () => {
    const bundle = await api("/docs/assets/scalar-api-reference.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("Content-Type")).toMatch(/javascript/);
    const text = await bundle.text();
    expect(text.length).toBeGreaterThan(1_000_000);
    expect(text).toContain("createApiReference");
    const init = await (await api("/docs/assets/init.js")).text();
    expect(init).toContain("/openapi.json");
    expect(init).toContain("withDefaultFonts");
  });

  it("answers 404 for a file the bundle does not have", async () => {
    expect((await api("/docs/assets/nope.js")).status).toBe(404);
  });
});
