import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { HttpResponse } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import { emitEvent } from "../../src/customer-webhooks/emit";
import { RETRY_DELAYS_MS } from "../../src/customer-webhooks/retry-schedule";
import { sweepWebhooks } from "../../src/customer-webhooks/sweep";
import { api, call, json } from "../helpers/http";
import { setup } from "../helpers/tenants";
import { createCalls } from "../helpers/calls";
import { playCall, runSenderAlarm, senderAlarm, senderStub } from "../helpers/objects";
import { deliveriesOf, deliverNow, getEndpointWire, quiesceEndpoints, registerEndpoint } from "../helpers/webhooks";
import { customerEndpoints } from "../fakes/customer-endpoints";
import { serveForFile } from "../network";

const customers = customerEndpoints();
serveForFile(...customers.handlers);
afterAll(async () => {
  await quiesceEndpoints();
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const status = (code: number, headers?: Record<string, string>) => () => new HttpResponse(null, { status: code, ...(headers ? { headers } : {}) });

/** A tenant with one endpoint that answers `behave`, and one event emitted to it. */
async function failingDelivery(behave: () => Response) {
  const { tenant, key } = await setup();
  const target = customers.endpoint(behave);
  const endpoint = await registerEndpoint(key, { url: target.url });
  await emitEvent(env, tenant.id, "message.status_changed", { message_id: "m-1", status: "delivered" });
  // The first attempt is immediate, on the sender's own alarm.
  const [first] = await deliverNow(endpoint.id);
  expect(first).toMatchObject({ attempts: 1 });
  return { tenant, key, target, endpoint, first: first! };
}

describe("retry schedule (time driven through the sender, not slept)", () => {
  it("retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then marks the delivery failed and keeps it", async () => {
    const { endpoint, target, first, key } = await failingDelivery(status(500));
    expect(first).toMatchObject({ status: "pending", last_status_code: 500, last_error: "HTTP 500" });
    expect(first.next_attempt_at! - first.last_attempt_at!).toBe(5_000);
    expect(await senderAlarm(endpoint.id)).toBe(first.next_attempt_at);

    const sender = senderStub(endpoint.id);
    let now = first.next_attempt_at!;
    // Not due a millisecond early.
    expect((await sender.deliverDue(now - 1)).attempted).toBe(0);
    for (let attempt = 2; attempt <= 8; attempt++) {
      expect((await sender.deliverDue(now)).attempted).toBe(1);
      const [row] = await deliveriesOf(endpoint.id);
      expect(row!.attempts).toBe(attempt);
      expect(row!.last_attempt_at).toBe(now);
      if (attempt < 8) {
        expect(row!.status).toBe("pending");
        expect(row!.next_attempt_at! - now).toBe(RETRY_DELAYS_MS[attempt - 1]);
        expect(await senderAlarm(endpoint.id)).toBe(row!.next_attempt_at);
        now = row!.next_attempt_at!;
      } else {
        expect(row).toMatchObject({ status: "failed", next_attempt_at: null });
      }
    }
    expect(RETRY_DELAYS_MS).toEqual([5_000, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
    expect(customers.to(target.name)).toHaveLength(8);
    // Same webhook-id on every attempt.
    expect(new Set(customers.to(target.name).map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(await senderAlarm(endpoint.id)).toBeNull();

    const list = await json(await api(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries?status=failed`, { key }));
    expect(list.data).toEqual([expect.objectContaining({ status: "failed", attempts: 8, last_status_code: 500 })]);
  });

  it("honors Retry-After (seconds) when it asks for longer than the schedule", async () => {
    const { first } = await failingDelivery(status(503, { "Retry-After": "3600" }));
    expect(first.next_attempt_at! - first.last_attempt_at!).toBe(HOUR);
  });

  it("honors Retry-After as an HTTP date", async () => {
    let answeredAt = 0;
    const { first } = await failingDelivery(() => {
      answeredAt = Date.now();
      return new HttpResponse(null, { status: 429, headers: { "Retry-After": new Date(answeredAt + 2 * HOUR).toUTCString() } });
    });
    const wait = first.next_attempt_at! - first.last_attempt_at!;
    expect(wait).toBeGreaterThan(2 * HOUR - 5_000);
    // The date the endpoint named (whole seconds), never later: the attempt's own time may fall
    // inside that second, so the wait from it may exceed two hours by less than a second.
    expect(first.next_attempt_at!).toBeLessThanOrEqual(answeredAt + 2 * HOUR);
  });

  it("keeps the schedule when Retry-After asks for less, and caps it at a day", async () => {
    const short = await failingDelivery(status(503, { "Retry-After": "1" }));
    expect(short.first.next_attempt_at! - short.first.last_attempt_at!).toBe(5_000);
    const long = await failingDelivery(status(503, { "Retry-After": String(30 * 24 * 3600) }));
    expect(long.first.next_attempt_at! - long.first.last_attempt_at!).toBe(DAY);
  });

  it("does not follow redirects: a 3xx is a failed attempt", async () => {
    const { first } = await failingDelivery(() => new HttpResponse(null, { status: 302, headers: { Location: "http://169.254.169.254/" } }));
    expect(first).toMatchObject({ status: "pending", last_status_code: 302, last_error: "redirect not followed (HTTP 302)" });
  });
});

describe("the cron's sweep", () => {
  it("wakes a sender that missed its wake-up", async () => {
    const { endpoint, target, first } = await failingDelivery(status(500));
    customers.respond(target.name, status(204));
    // The alarm is lost and the retry is long overdue.
    await runInDurableObject(senderStub(endpoint.id), (_instance, state) => state.storage.deleteAlarm());
    await env.DB.prepare(`UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?`).bind(Date.now() - 2 * MINUTE, first.id).run();
    expect(await senderAlarm(endpoint.id)).toBeNull();

    expect((await sweepWebhooks(env, Date.now())).woken).toBeGreaterThanOrEqual(1);
    expect((await deliverNow(endpoint.id))[0]).toMatchObject({ status: "succeeded", attempts: 2 });
  });
});

describe("giving up on an endpoint", () => {
  it("disables the endpoint on 410 Gone, fails what it had pending, and says so through the API", async () => {
    const { tenant, key } = await setup();
    const target = customers.endpoint(status(500));
    const endpoint = await registerEndpoint(key, { url: target.url });
    await emitEvent(env, tenant.id, "message.received", { message_id: "m-1" });
    expect((await deliverNow(endpoint.id))[0]).toMatchObject({ attempts: 1 });
    await emitEvent(env, tenant.id, "message.received", { message_id: "m-2" });
    expect((await deliverNow(endpoint.id)).map((r) => r.attempts)).toEqual([1, 1]);

    customers.respond(target.name, status(410));
    const run = await senderStub(endpoint.id).deliverDue(Date.now() + 5_000);
    expect(run.disabled).toBe("gone");
    const rows = await deliveriesOf(endpoint.id);
    expect(rows.map((r) => r.status)).toEqual(["failed", "failed"]);
    expect(rows.some((r) => r.last_status_code === 410)).toBe(true);
    expect(await getEndpointWire(key, endpoint.id)).toMatchObject({ enabled: false, disabled_reason: "gone", disabled_at: expect.any(String) });
    expect(await senderAlarm(endpoint.id)).toBeNull();

    // Nothing more is queued for it, and the tenant's audit trail says the system disabled it.
    await emitEvent(env, tenant.id, "message.received", { message_id: "m-3" });
    expect(await deliveriesOf(endpoint.id)).toHaveLength(2);
    const audit = await json(await api(`/api/v1/audit-events?action=webhook_endpoint.disabled`, { key }));
    expect(audit.data).toEqual([expect.objectContaining({ object_id: endpoint.id, actor: { type: "system", api_key_id: null }, detail: { reason: "gone" } })]);
  });

  it("disables an endpoint whose every attempt has failed for five days", async () => {
    const { tenant, key, endpoint, first } = await failingDelivery(status(500));
    expect((await getEndpointWire(key, endpoint.id)).failing_since).toBe(new Date(first.last_attempt_at!).toISOString());
    const sender = senderStub(endpoint.id);
    // Four days on, a new event fails too: still enabled.
    await emitEvent(env, tenant.id, "message.received", { message_id: "m-4" });
    expect((await deliverNow(endpoint.id)).map((r) => r.attempts)).toEqual([1, 1]);
    expect((await sender.deliverDue(first.last_attempt_at! + 4 * DAY)).disabled).toBeNull();
    expect((await getEndpointWire(key, endpoint.id)).enabled).toBe(true);
    // Five days after the first failure: disabled, and the tenant can see why.
    const run = await sender.deliverDue(first.last_attempt_at! + 5 * DAY);
    expect(run.disabled).toBe("failing");
    expect(await getEndpointWire(key, endpoint.id)).toMatchObject({ enabled: false, disabled_reason: "failing" });
  });

  it("a success clears the failure record", async () => {
    const { key, endpoint, target, first } = await failingDelivery(status(500));
    customers.respond(target.name, status(200));
    await senderStub(endpoint.id).deliverDue(first.next_attempt_at!);
    expect(await getEndpointWire(key, endpoint.id)).toMatchObject({ enabled: true, failing_since: null });
    expect((await deliveriesOf(endpoint.id))[0]).toMatchObject({ status: "succeeded", attempts: 2 });
  });
});

describe("replay", () => {
  it("sends a delivered event again with the same webhook-id, off the request", async () => {
    const { tenant, key } = await setup();
    const target = customers.endpoint();
    const endpoint = await registerEndpoint(key, { url: target.url });
    await emitEvent(env, tenant.id, "call.completed", { call_id: "c-1" });
    const [delivered] = await deliverNow(endpoint.id);
    expect(delivered).toMatchObject({ status: "succeeded" });

    const res = await call(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivered!.id}/replay`, { method: "POST", key });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: delivered!.id, status: "pending" });
    expect((await deliverNow(endpoint.id))[0]).toMatchObject({ status: "succeeded", attempts: 2 });
    const requests = customers.to(target.name);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.headers["webhook-id"]).toBe(requests[0]!.headers["webhook-id"]);
    expect(requests[1]!.body).toBe(requests[0]!.body);
    const audit = await json(await api("/api/v1/audit-events?action=webhook_delivery.replayed", { key }));
    expect(audit.data).toEqual([expect.objectContaining({ object_type: "webhook_delivery", object_id: delivered!.id, detail: { endpointId: endpoint.id } })]);
  });

  it("replays a failed delivery once the endpoint is enabled again (409 before)", async () => {
    const { tenant, key } = await setup();
    const target = customers.endpoint(status(410));
    const endpoint = await registerEndpoint(key, { url: target.url });
    await emitEvent(env, tenant.id, "call.failed", { call_id: "c-2" });
    const [failed] = await deliverNow(endpoint.id);
    expect(failed).toMatchObject({ status: "failed" });
    // The same run disabled the endpoint (410 Gone).
    expect((await getEndpointWire(key, endpoint.id)).enabled).toBe(false);
    const path = `/api/v1/webhook-endpoints/${endpoint.id}/deliveries/${failed!.id}/replay`;
    expect((await call(path, { method: "POST", key })).status).toBe(409);

    customers.respond(target.name, status(200));
    await api(`/api/v1/webhook-endpoints/${endpoint.id}`, { method: "PATCH", key, json: { enabled: true } });
    expect((await call(path, { method: "POST", key })).status).toBe(202);
    expect((await deliverNow(endpoint.id))[0]).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  it("404s for another tenant's delivery", async () => {
    const a = await setup();
    const b = await setup();
    const endpoint = await registerEndpoint(a.key, { url: customers.endpoint().url });
    await emitEvent(env, a.tenant.id, "call.created", { call_id: "c-3" });
    const [row] = await deliverNow(endpoint.id);
    expect(row).toMatchObject({ status: "succeeded" });
    expect((await call(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries/${row!.id}/replay`, { method: "POST", key: b.key })).status).toBe(404);
  });
});

describe("a dead endpoint", () => {
  it("does not delay the API or a call; its attempts time out off the request path", async () => {
    const { key, patient, agent } = await setup();
    const target = customers.endpoint(() => new Promise<Response>(() => {})); // never answers
    const endpoint = await registerEndpoint(key, { url: target.url });

    const started = Date.now();
    const res = await createCalls(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(201);
    // The attempt timeout is 1.5 s in tests: answering sooner means nobody waited on the endpoint.
    expect(elapsed).toBeLessThan(1_400);
    const callId = (await json(res)).calls[0].callId;
    // The call walks its whole life while the endpoint hangs.
    await playCall(callId, "completed");

    // Each attempt waits out its 1.5 s timeout: a real wait, as in production.
    await runSenderAlarm(endpoint.id);
    const [timedOut] = await deliveriesOf(endpoint.id);
    expect(timedOut!.attempts).toBeGreaterThanOrEqual(1);
    expect(timedOut).toMatchObject({ status: "pending", last_status_code: null, last_error: "timed out after 1500 ms" });
    const list = await json(await api(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries`, { key }));
    expect(list.data.length).toBeGreaterThanOrEqual(1);
  });
});
