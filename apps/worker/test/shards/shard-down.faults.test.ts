import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import { getCall, placeCall } from "../helpers/calls";
import { api, json } from "../helpers/http";
import { playCall, runSenderAlarm } from "../helpers/objects";
import { setup } from "../helpers/tenants";
import { customerEndpoints } from "../fakes/customer-endpoints";
import { serveForFile } from "../network";

// A shard that cannot answer (down, or not migrated) must not stop the tenants on the others: a
// call object's first start and a webhook sender ask every shard for their row, and take the answer
// of the shard that has it. This file's storage is its own: shard 1 loses its tables here only.

const customers = customerEndpoints();
serveForFile(...customers.handlers);
const endpoints: string[] = [];
afterAll(async () => {
  for (const id of endpoints) await env.DB.prepare(`UPDATE webhook_endpoints SET enabled = 0 WHERE id = ?`).bind(id).run();
});

describe("shard 1 cannot answer", () => {
  it("a shard-0 tenant's call still starts, plays to its end, and its webhooks are delivered", async () => {
    const { key, patient, agent } = await setup();
    const target = customers.endpoint();
    const created = await api("/api/v1/webhook-endpoints", { method: "POST", key, json: { url: target.url } });
    expect(created.status).toBe(201);
    const endpoint = await json(created);
    endpoints.push(endpoint.id);

    // Every query that names these tables on shard 1 now fails.
    await env.DB_1!.batch([env.DB_1!.prepare("ALTER TABLE calls RENAME TO calls_gone"), env.DB_1!.prepare("ALTER TABLE webhook_endpoints RENAME TO webhook_endpoints_gone")]);
    await expect(env.DB_1!.prepare("SELECT tenant_id FROM calls LIMIT 1").first()).rejects.toThrow();

    const callId = await placeCall(key, patient.patient_id, agent.id);
    await playCall(callId);
    expect((await getCall(key, callId)).status).toBe("completed");

    for (let i = 0; i < 5 && !customers.received.some((r) => r.name === target.name && r.body.includes('"call.completed"')); i++) {
      await runSenderAlarm(endpoint.id);
    }
    expect(customers.received.some((r) => r.name === target.name && r.body.includes('"call.created"'))).toBe(true);
    expect(customers.received.some((r) => r.name === target.name && r.body.includes('"call.completed"'))).toBe(true);
  });
});
