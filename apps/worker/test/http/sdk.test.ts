import { SELF } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { createSwitchboardClient, ok } from "@switchboard/sdk";
import { onWebhook, sendReminders } from "../../../../packages/sdk/examples/reminders";
import { createTenant } from "../helpers/tenants";
import { poll } from "../helpers/wait";
import { customerEndpoints } from "../fakes/customer-endpoints";
import { quiesceEndpoints } from "../helpers/webhooks";
import { serveForFile } from "../network";

const customers = customerEndpoints();
serveForFile(...customers.handlers);
afterAll(() => quiesceEndpoints());

/** The SDK as a clinic's code uses it, talking to this worker. */
async function client() {
  const tenant = await createTenant("SDK Clinic");
  return createSwitchboardClient({ baseUrl: "https://switchboard.test", apiKey: tenant.apiKey, fetch: (request) => SELF.fetch(request) });
}

describe("the SDK against the API (the README's example, run as written)", () => {
  it("creates patients, places a batch, follows it to the end, and verifies the webhooks it sends", async () => {
    const sb = await client();
    const hook = customers.endpoint();
    const endpoint = ok(await sb.POST("/api/v1/webhook-endpoints", { body: { url: hook.url, events: ["call.completed"] } }));

    const lines: string[] = [];
    const calls = await sendReminders(sb, (line) => lines.push(line));
    expect(calls).toHaveLength(2);
    for (const call of calls) expect(call).toMatchObject({ status: "completed", outcome: "human", client_metadata: { appointment: { name: "General Check Up" } } });
    expect(calls.map((c) => c.phone_number).sort()).toEqual(["+15555550142", "+15555550143"]);
    expect(lines.at(-1)).toBe("2/2 calls ended");
    expect(lines.length).toBeGreaterThan(1);

    // What the worker delivered, fed to the example's handler as the clinic's server would receive it.
    const received = await poll(async () => customers.to(hook.name), (r) => r.length === 2, 15_000);
    expect(received).toHaveLength(2);
    for (const delivery of received) {
      const request = new Request(hook.url, { method: "POST", headers: delivery.headers, body: delivery.body });
      expect((await onWebhook(request, endpoint.secret)).status).toBe(204);
      const tampered = new Request(hook.url, { method: "POST", headers: delivery.headers, body: delivery.body.replace("completed", "failed") });
      expect((await onWebhook(tampered, endpoint.secret)).status).toBe(401);
      expect((await onWebhook(new Request(hook.url, { method: "POST", headers: delivery.headers, body: delivery.body }), "whsec_" + btoa("another secret, 32 bytes long!!"))).status).toBe(401);
    }
  });

  it("reads every error shape into one SwitchboardError with the API's status and message", async () => {
    const sb = await client();
    const missing = await sb.GET("/api/v1/calls/{callId}", { params: { path: { callId: crypto.randomUUID() } } });
    expect(() => ok(missing)).toThrow(expect.objectContaining({ name: "SwitchboardError", status: 404, message: "Call not found" }));
    const invalid = await sb.POST("/api/v1/calls", { body: { agentId: crypto.randomUUID(), patients: [{ patientId: "nope" }] } });
    expect(() => ok(invalid)).toThrow(expect.objectContaining({ status: 400, message: "Validation failed for one or more patients" }));
    const badFilter = await sb.GET("/api/v1/calls", { params: { query: { status: "done" } } });
    expect(() => ok(badFilter)).toThrow(expect.objectContaining({ status: 400, message: expect.stringContaining("status must be one or more of") }));
  });
});
