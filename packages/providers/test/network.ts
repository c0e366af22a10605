import { setupServer } from "msw/node";

/**
 * The vendors as the adapters see them in these tests: one MSW server (Node's), started by
 * test/setup.ts, answering with the fake vendors the worker's suite uses too
 * (apps/worker/test/fakes). Tests add a fake's handlers with `server.use(...)`.
 */
export const server = setupServer();
