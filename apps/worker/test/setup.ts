import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { server } from "./network";

// Runs before each test file, in that file's own workerd (its storage starts empty): the same SQL
// files wrangler applies, on both shards, then the one fake network (network.ts).
// Two shards, as in dev: the same migrations on each.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await applyD1Migrations(env.DB_1!, env.TEST_MIGRATIONS);

// MSW answers an unhandled request with a network error, which the worker may well swallow (a
// vendor "unreachable", a webhook retried later): so each one also fails the test it happened in.
const unhandled: string[] = [];
server.events.on("request:unhandled", ({ request }) => {
  unhandled.push(`${request.method} ${request.url}`);
});

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  server.resetHandlers();
  expect(unhandled.splice(0), "requests no fake handled").toEqual([]);
});
afterAll(() => server.close());
