import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import { postSigned } from "../helpers/http";
import { DAY, deletePatient, runUntilDone } from "../helpers/lifecycle";
import { commsSetup, useTwilio } from "../helpers/messaging";
import { patchTenant } from "../helpers/tenants";
import { quiesceEndpoints, registerEndpoint } from "../helpers/webhooks";
import { inboundParams } from "../fakes/twilio";
import { customerEndpoints } from "../fakes/customer-endpoints";
import { serveForFile } from "../network";

// `message.received` is the one webhook event that carries PHI (the patient's text). Its stored
// payload (kept for replays, and archived with the rest) loses the text with the message itself:
// past the tenant's PHI retention, and when the patient is deleted.

const customers = customerEndpoints();
serveForFile(...customers.handlers);
afterAll(async () => {
  await quiesceEndpoints();
});

const TEXT = "my rash is worse since Tuesday";

async function patientTexted() {
  const t = await commsSetup();
  await useTwilio(t.key);
  await registerEndpoint(t.key, { url: customers.endpoint().url, events: ["message.received"] });
  const res = await postSigned(`/webhooks/twilio/${t.tenantId}/inbound`, inboundParams(t.patient.phone_number, TEXT));
  expect(res.status).toBe(200);
  const payloads = async () =>
    (await env.DB.prepare("SELECT payload FROM webhook_events WHERE tenant_id = ? AND type = 'message.received'").bind(t.tenantId).all<{ payload: string }>()).results.map((r) =>
      JSON.parse(r.payload),
    );
  expect((await payloads()).map((p) => p.data.content)).toEqual([TEXT]);
  return { ...t, payloads };
}

describe("message.received payloads follow the text's PHI", () => {
  it("lose the text past the tenant's PHI retention, ids kept", async () => {
    const t = await patientTexted();
    await patchTenant(t.tenantId, { phiRetentionDays: 30 });
    await runUntilDone(t.tenantId, Date.now() + 29 * DAY);
    expect((await t.payloads())[0].data.content).toBe(TEXT);
    await runUntilDone(t.tenantId, Date.now() + 31 * DAY);
    const [payload] = await t.payloads();
    expect(payload.data).toMatchObject({ content: null, patient_id: t.patient.patient_id, message_id: expect.any(String) });
  });

  it("lose the text when the patient is deleted, in D1 and in the archive", async () => {
    const t = await patientTexted();
    await patchTenant(t.tenantId, { hotWindowDays: 7 });
    // Archived first (the event went with its day), then the patient deleted.
    await runUntilDone(t.tenantId, Date.now() + 8 * DAY);
    const other = await patientTexted();
    expect((await deletePatient(t.key, t.patient.patient_id)).status).toBe(200);
    expect((await deletePatient(other.key, other.patient.patient_id)).status).toBe(200);
    expect((await other.payloads())[0].data.content).toBeNull();
    await runUntilDone(t.tenantId, Date.now() + 8 * DAY);
    const object = await env.FILES.get(`archive/${t.tenantId}/${new Date().toISOString().slice(0, 10)}.ndjson.gz`);
    expect(object).not.toBeNull();
    const text = await new Response(object!.body.pipeThrough(new DecompressionStream("gzip"))).text();
    expect(text).toContain('"kind":"webhook_event"');
    expect(text).not.toContain("rash");
  });
});
