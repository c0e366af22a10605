import type { Context } from "hono";
import type { AppEnv } from "../context";

/**
 * Files of the browser bundle (apps/console/dist, bound as ASSETS). In production Cloudflare
 * serves them before the worker runs; this route answers when the worker is asked anyway (tests,
 * `wrangler dev` with a stale match), from the same files.
 */
export async function serveAsset(c: Context<AppEnv>): Promise<Response> {
  const response = await c.env.ASSETS.fetch(c.req.raw);
  if (response.status === 404) return c.text("Not found", 404);
  return response;
}

/**
 * Headers of an HTML page of ours: nothing is loaded from anywhere but this origin (the pages
 * bundle what they need), no framing, no referrer leaking ids in URLs.
 */
export function setPageSecurityHeaders(c: Context<AppEnv>) {
  c.header(
    "Content-Security-Policy",
    [
      "default-src 'self'",
      "script-src 'self'",
      // Scalar (Vue) and Preact set style attributes at run time.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; "),
  );
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
  c.header("Referrer-Policy", "no-referrer");
}
