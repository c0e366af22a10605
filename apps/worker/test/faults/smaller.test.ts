import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { reconcileQuietCalls } from "../../src/calls/reconcile";
import { optOutAndAnnounce } from "../../src/consent/opt-out-events";
import { createDb } from "../../src/lib/db";
import { MAX_SEND_MESSAGE_BYTES } from "../../src/http/comms/send-message";
import { BASE, postWebhook } from "../helpers/http";
import { commsSetup } from "../helpers/messaging";
import { fakeRetell, retellEnded, retellStarted } from "../fakes/retell";
import { createPatient, createTenant, setup } from "../helpers/tenants";
import { getCall, placeCall } from "../helpers/calls";
import { server, serveForFile } from "../network";
import { vendorSetup } from "../helpers/vendors";
import { customerEndpoints } from "../fakes/customer-endpoints";
import { quiesceEndpoints, registerEndpoint } from "../helpers/webhooks";

const KEY = "key_smaller0123456789abcdef01234567";
const retell = fakeRetell(KEY, { post: postWebhook });
const customers = customerEndpoints();
beforeEach(() => server.use(...retell.handlers));
serveForFile(...customers.handlers);
afterAll(() => quiesceEndpoints());

describe("an Idempotency-Key does not lift /comms send-message's body limit", () => {
  it("a streamed upload over the limit is refused after reading no more than the limit", async () => {
    const t = await commsSetup();
    const total = 40 * 1024 * 1024;
    const chunk = new Uint8Array(64 * 1024);
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await SELF.fetch(`${BASE}/comms/chat/send-message`, {
      method: "POST",
      headers: { "API-KEY": t.key, TENANT: t.tenantId, "Idempotency-Key": "big-upload", "Content-Type": "multipart/form-data; boundary=xyz" },
      body,
      // @ts-expect-error: streamed request bodies need duplex in the fetch spec
      duplex: "half",
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ detail: expect.stringMatching(/^Request body too large/) });
    expect(pulled).toBeLessThan(2 * MAX_SEND_MESSAGE_BYTES);
  });
});

describe("two concurrent STOPs record one opt-out and one event", () => {
  it("the same number opting out twice at once", async () => {
    const tenant = await createTenant();
    await registerEndpoint(tenant.apiKey, { url: customers.endpoint().url, events: ["patient.opted_out"] });
    const patient = await createPatient(tenant.apiKey);
    const db = createDb(env.DB);
    const input = { tenantId: tenant.id, phoneNumber: patient.phone_number, patientId: patient.patient_id, source: "sms_keyword" as const, keyword: "STOP" };
    const results = await Promise.all([optOutAndAnnounce(env, db, input), optOutAndAnnounce(env, db, input), optOutAndAnnounce(env, db, input)]);
    expect(results.filter((id) => id !== null)).toHaveLength(1);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM opt_outs WHERE tenant_id = ? AND opted_in_at IS NULL").bind(tenant.id).first<{ n: number }>();
    expect(rows!.n).toBe(1);
    const events = await env.DB.prepare("SELECT count(*) AS n FROM webhook_events WHERE tenant_id = ? AND type = 'patient.opted_out'").bind(tenant.id).first<{ n: number }>();
    expect(events!.n).toBe(1);
  });
});

describe("reconciliation is fair between tenants", () => {
  it("one tenant's many stuck calls do not starve another tenant's quiet call", async () => {
    const now = Date.now();
    // Tenant A: 60 calls gone quiet long ago (their vendor knows nothing more).
    const a = await setup();
    const stuck = Array.from({ length: 60 }, (_, i) => ({ id: crypto.randomUUID(), at: now - 30 * 60_000 + i }));
    await env.DB.prepare(
      `INSERT INTO calls (id, tenant_id, agent_id, patient_id, phone_number, status, provider, provider_call_id, recording, created_at, updated_at)
       SELECT json_extract(value, '$.id'), ?1, ?2, ?3, '+15555550199', 'dialing', 'retell', 'call_' || json_extract(value, '$.id'), 1, ?4, json_extract(value, '$.at')
         FROM json_each(?5)`,
    )
      .bind(a.tenant.id, a.agent.id, a.patient.patient_id, now, JSON.stringify(stuck))
      .run();
    // Tenant B: one real call whose end webhook was lost three minutes ago.
    const b = await vendorSetup([{ provider: "retell", agent: "agent_abc" }], { retell: { apiKey: KEY, fromNumber: "+14155550100" } });
    const callId = await placeCall(b.key, b.patient.patient_id, b.agent.id);
    retellEnded(retellStarted(retell.callFor(callId)), "dial_no_answer");
    await env.DB.prepare("UPDATE calls SET updated_at = ? WHERE id = ?").bind(now - 3 * 60_000, callId).run();

    await reconcileQuietCalls(env, now);
    expect((await getCall(b.key, callId)).status).toBe("failed");
  });
});
