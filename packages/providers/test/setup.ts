import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { server } from "./network";

// An adapter may swallow a network error (a vendor "unreachable"): an unhandled request also fails its test.
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
