import type { RequestHandler } from "msw";
import { setupServer } from "msw/node";
import { beforeAll } from "vitest";

/**
 * The network as the worker sees it in tests: one MSW server, started by the setup file (setup.ts)
 * for every test file. It answers nothing by itself: a test adds the fakes it needs (test/fakes)
 * with `server.use(...)`, and those are dropped after each test. Any request no handler takes fails
 * the request, and the test that was running (setup.ts checks after each test).
 *
 * MSW's node server works inside workerd: the worker, its Durable Objects and the tests share one
 * isolate, so the `fetch` it patches is the one the worker calls.
 */
export const server = setupServer();

const fileWide: RequestHandler[] = [];

/**
 * Handlers for every test of the file: unlike `server.use`, they survive the reset after each test.
 * For fakes that answer work which may run between two tests (a webhook sender's alarm delivering).
 */
export function serveForFile(...handlers: RequestHandler[]) {
  beforeAll(() => {
    fileWide.push(...handlers);
    // With handlers, MSW's reset makes them the ones every later reset goes back to.
    server.resetHandlers(...fileWide);
  });
}
