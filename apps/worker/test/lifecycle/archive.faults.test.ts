import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import { emitEvent } from "../../src/customer-webhooks/emit";
import { archiveStep, tenantRetention, type LifecycleDeps } from "../../src/lifecycle/archive";
import { archiveKey, type ArchiveBucket } from "../../src/lifecycle/archive-object";
import { customerEndpoints } from "../fakes/customer-endpoints";
import { deliverNow, quiesceEndpoints, registerEndpoint } from "../helpers/webhooks";
import { serveForFile } from "../network";
import { archiveOf, DAY, othersActLater, rows, tenantWithHistory } from "../helpers/lifecycle";

const customers = customerEndpoints();
serveForFile(...customers.handlers);
afterAll(() => quiesceEndpoints());

/** Every row of the tenant the archive moves, by archive record key. */
async function tenantRows(tenantId: string, callIds: string[], messageIds: string[]) {
  const keys = new Set<string>();
  const add = (kind: string, list: Record<string, any>[], id: (r: Record<string, any>) => unknown = (r) => r.id) => list.forEach((r) => keys.add(`${kind}:${id(r)}`));
  const calls = JSON.stringify(callIds);
  const messages = JSON.stringify(messageIds);
  add("call", await rows(`SELECT id FROM calls WHERE id IN (SELECT value FROM json_each(?))`, calls));
  add("call_event", await rows(`SELECT id FROM call_events WHERE call_id IN (SELECT value FROM json_each(?))`, calls));
  add("message", await rows(`SELECT id FROM messages WHERE id IN (SELECT value FROM json_each(?))`, messages));
  add("message_send", await rows(`SELECT message_id FROM message_sends WHERE message_id IN (SELECT value FROM json_each(?))`, messages), (r) => r.message_id);
  add("message_send_attempt", await rows(`SELECT message_id, attempt FROM message_send_attempts WHERE message_id IN (SELECT value FROM json_each(?))`, messages), (r) => `${r.message_id}:${r.attempt}`);
  add("webhook_delivery", await rows(`SELECT id FROM webhook_deliveries WHERE tenant_id = ?`, tenantId));
  add("webhook_attempt", await rows(`SELECT id FROM webhook_attempts WHERE tenant_id = ?`, tenantId));
  add("webhook_event", await rows(`SELECT id FROM webhook_events WHERE tenant_id = ?`, tenantId));
  add("audit_event", await rows(`SELECT id FROM audit_events WHERE tenant_id = ?`, tenantId));
  return keys;
}

/** A tenant with history, including a delivered webhook, and every row key it has before archiving. */
async function fixture() {
  const t = await tenantWithHistory();
  const endpoint = await registerEndpoint(t.key, { url: customers.endpoint().url });
  // Registering wrote the tenant's newest audit row, which the archive would leave in D1.
  await othersActLater();
  await emitEvent(env, t.tenantId, "message.status_changed", { message_id: t.messageId, status: "delivered" });
  expect((await deliverNow(endpoint.id)).every((d) => d.status === "succeeded")).toBe(true);
  const ids = { calls: [t.ended], messages: [t.messageId] };
  const before = await tenantRows(t.tenantId, ids.calls, ids.messages);
  expect([...before].some((k) => k.startsWith("webhook_delivery:"))).toBe(true);
  expect([...before].some((k) => k.startsWith("webhook_attempt:"))).toBe(true);
  return { ...t, ids, before };
}

type Fault = "read" | "put" | "verify" | "delete";

/** The bucket and D1 as the archiver sees them, with one operation failing once (a crash at that step). */
function faulty(fault: Fault): LifecycleDeps {
  let gets = 0;
  let batches = 0;
  const bucket: ArchiveBucket = {
    get: ((key: string, options?: R2GetOptions) => {
      gets++;
      if ((fault === "read" && gets === 1) || (fault === "verify" && gets === 2)) throw new Error(`injected: R2 get #${gets}`);
      return env.FILES.get(key, options);
    }) as R2Bucket["get"],
    put: ((key: string, value: any, options?: R2PutOptions) => {
      if (fault === "put") throw new Error("injected: R2 put");
      return env.FILES.put(key, value, options);
    }) as R2Bucket["put"],
    head: (key) => env.FILES.head(key),
    delete: (keys) => env.FILES.delete(keys),
    list: ((options?: R2ListOptions) => env.FILES.list(options)) as R2Bucket["list"],
  };
  const d1 = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          batches++;
          // The 4th batch of a step is the one that deletes from D1 (1: oldest due day, 2-3: reads).
          if (fault === "delete" && batches === 4) return Promise.reject(new Error("injected: D1 delete batch"));
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { d1, bucket };
}

async function everywhere(tenantId: string, ids: { calls: string[]; messages: string[] }) {
  const inD1 = await tenantRows(tenantId, ids.calls, ids.messages);
  const inR2 = new Set((await archiveOf(tenantId)).keys());
  return { inD1, inR2 };
}

describe("nothing is lost when the archive crashes at any step", () => {
  for (const fault of ["read", "put", "verify", "delete"] as const) {
    it(`a failure at "${fault}" leaves every row in D1 or R2, and the next run finishes without duplicates`, async () => {
      const t = await fixture();
      const now = Date.now() + 91 * DAY;
      const retention = (await tenantRetention(env.DB, t.tenantId))!;

      await expect(archiveStep(faulty(fault), t.tenantId, now, retention)).rejects.toThrow(/injected/);
      const after = await everywhere(t.tenantId, t.ids);
      const lost = [...t.before].filter((k) => !after.inD1.has(k) && !after.inR2.has(k));
      expect(lost).toEqual([]);
      // Nothing left D1: a crash after the write but before the delete leaves the step's rows in both.
      expect([...t.before].filter((k) => !after.inD1.has(k))).toEqual([]);
      if (fault === "delete" || fault === "verify") expect(after.inR2.has(`call:${t.ended}`)).toBe(true);
      else expect(after.inR2.size).toBe(0);

      // Restart: plain steps until nothing is due.
      for (let i = 0; i < 10 && (await archiveStep({ d1: env.DB, bucket: env.FILES }, t.tenantId, now, retention)).moved; i++);
      const done = await everywhere(t.tenantId, t.ids);
      expect([...t.before].filter((k) => !done.inR2.has(k))).toEqual([]);
      expect([...done.inD1]).toEqual([]);
      // One line per record: the object's record count is the number of distinct records.
      const head = await env.FILES.head(archiveKey(t.tenantId, new Date().toISOString().slice(0, 10)));
      expect(Number(head?.customMetadata?.records)).toBe(done.inR2.size);
    });
  }

  it("refuses to overwrite an object that changed since it was read (no lost update), and deletes nothing", async () => {
    const t = await fixture();
    const now = Date.now() + 91 * DAY;
    const retention = (await tenantRetention(env.DB, t.tenantId))!;
    const key = archiveKey(t.tenantId, new Date().toISOString().slice(0, 10));
    await env.FILES.put(key, new Uint8Array(await new Response(new Blob([""]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer()));
    const racing: LifecycleDeps = {
      d1: env.DB,
      bucket: {
        ...faulty("read").bucket,
        get: (async (k: string) => {
          const object = await env.FILES.get(k);
          // Another writer replaces the object (with other content) right after this one read it.
          const other = `{"kind":"audit_event","id":"x${crypto.randomUUID()}","row":{}}\n`;
          await env.FILES.put(k, new Uint8Array(await new Response(new Blob([other]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer()));
          return object;
        }) as R2Bucket["get"],
      },
    };
    await expect(archiveStep(racing, t.tenantId, now, retention)).rejects.toThrow(/changed while it was being written/);
    const after = await tenantRows(t.tenantId, t.ids.calls, t.ids.messages);
    expect([...t.before].filter((k) => !after.has(k))).toEqual([]);
  });
});
