import type { Context } from "hono";
import type { AppEnv } from "../context";
import { setPageSecurityHeaders } from "../middleware/static-assets";

/** The console's one page: the app (apps/console, served from the worker's assets) routes within it. */
const SHELL_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Switchboard console</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/console/assets/app.css" />
  </head>
  <body>
    <div id="app"></div>
    <script type="module" src="/console/assets/app.js"></script>
  </body>
</html>`;

export function consoleShell(c: Context<AppEnv>) {
  setPageSecurityHeaders(c);
  return c.html(SHELL_HTML);
}
