import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FOR_PROVIDER, signedFileUrl } from "../../src/messages/file-links";
import { call, expectEnvelope } from "../helpers/http";
import { createPatient, createTenant, setup } from "../helpers/tenants";
import { placeCall } from "../helpers/calls";
import { BASE, comms } from "../helpers/http";
import { commsSetup, listMessages, PNG, sendMessage } from "../helpers/messaging";
import { vocode, voipbin } from "../helpers/http";
import { server } from "../network";
import { fakeTwilioMessages } from "../fakes/twilio";
import { useTwilio } from "../helpers/messaging";

/*
 * Reads of patient data are audited: who (the API key, or a signed link and whom it was given
 * to), which objects (ids only), which request. A read whose record cannot be written is not
 * served.
 */


interface Row {
  action: string;
  object_id: string;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  detail: string | null;
}

async function reads(tenantId: string, requestId?: string | null): Promise<Row[]> {
  const rows = await env.DB.prepare(
    `SELECT action, object_id, actor_type, actor_id, request_id, detail FROM audit_events
      WHERE tenant_id = ? AND action LIKE '%.read' AND (? IS NULL OR request_id = ?) ORDER BY id`,
  )
    .bind(tenantId, requestId ?? null, requestId ?? null)
    .all<Row>();
  return rows.results;
}

/** The read rows one response's request wrote, as `action object_id`. */
async function readBy(tenantId: string, res: { status: number; headers: Headers }) {
  expect(res.status).toBe(200);
  const requestId = res.headers.get("X-Request-Id");
  expect(requestId).toMatch(/^req_/);
  return (await reads(tenantId, requestId)).map((r) => `${r.action} ${r.object_id}`);
}

describe("reads of patient data are audited", () => {
  it("patients, their lists and their consent record, by the reading key, without PHI", async () => {
    const t = await createTenant();
    const key = t.apiKey;
    const patients = [
      await createPatient(key, { firstName: "Grace", lastName: "Hopper", phoneNumber: "+15555550199" }),
      await createPatient(key),
      await createPatient(key),
    ];
    const [grace] = patients;

    expect(await readBy(t.id, await call(`/api/v1/patients/${grace.patient_id}`, { key }))).toEqual([`patient.read ${grace.patient_id}`]);
    // A page is one statement: a row per patient shown, all of one request.
    const page = await call("/api/v1/patients?size=2", { key });
    expect(await readBy(t.id, page)).toEqual(page.body.data.map((p: any) => `patient.read ${p.patient_id}`));
    expect(await readBy(t.id, await call(`/api/v1/patients/${grace.patient_id}/consent`, { key }))).toEqual([`consent.read ${grace.patient_id}`]);

    const rows = await reads(t.id);
    for (const row of rows) expect(row).toMatchObject({ actor_type: "api_key", actor_id: t.apiKeyId });
    const text = JSON.stringify(rows);
    for (const phi of ["Grace", "Hopper", "+15555550199", "1990-01-01"]) expect(text).not.toContain(phi);
  });

  it("records nothing for what was not read: unknown ids, another tenant's patient", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const patient = await createPatient(a.apiKey);
    expect((await call(`/api/v1/patients/${patient.patient_id}`, { key: b.apiKey })).status).toBe(404);
    expect((await call(`/api/v1/patients/${crypto.randomUUID()}`, { key: a.apiKey })).status).toBe(404);
    expect(await reads(a.id)).toEqual([]);
    expect(await reads(b.id)).toEqual([]);
  });

  it("calls, with their reports, on every surface", async () => {
    const { tenant, key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const one = [`call.read ${callId}`];
    const batch = await call(`/api/v1/calls?size=5`, { key });
    expect(await readBy(tenant.id, batch)).toEqual(one);
    expect(await readBy(tenant.id, await call(`/api/v1/calls/${callId}`, { key }))).toEqual(one);
    const campaignId = batch.body.data[0].batch_id;
    expect(await readBy(tenant.id, await call(`/api/v1/calls/campaigns/${campaignId}`, { key }))).toEqual(one);
    expect(await readBy(tenant.id, await comms(`/comms/call/${callId}`, { key, tenant: tenant.id }))).toEqual(one);
    expect(await readBy(tenant.id, await vocode(`/v1/calls?id=${callId}`, key))).toEqual(one);
    expect(await readBy(tenant.id, await vocode("/v1/calls/list", key))).toEqual(one);
    expect(await readBy(tenant.id, await voipbin(`/v1.0/aicalls/${callId}`, key))).toEqual(one);
    expect(await readBy(tenant.id, await voipbin("/v1.0/aicalls", key))).toEqual(one);
    // The history of transitions is not a report: not recorded.
    const events = await call(`/api/v1/calls/${callId}/events`, { key });
    expect(await readBy(tenant.id, events)).toEqual([]);
  });

  it("a chat, its messages and its calls", async () => {
    const t = await commsSetup();
    const sent = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Your results are in" });
    expect(sent.status).toBe(200);
    expect(await readBy(t.tenantId, await call(`/api/v1/chats/${t.chat.id}`, { key: t.key }))).toEqual([`chat.read ${t.chat.id}`]);
    expect(await readBy(t.tenantId, await call(`/api/v1/chats/${t.chat.id}/messages`, { key: t.key }))).toEqual([`message.read ${sent.body.id}`]);
    expect(await readBy(t.tenantId, await call(`/api/v1/chats/${t.chat.id}/calls`, { key: t.key }))).toEqual([]);
    const rows = await reads(t.tenantId);
    expect(JSON.stringify(rows)).not.toContain("results are in");
  });

  it("lists reads with kind=read, and everything else with kind=change", async () => {
    const t = await createTenant();
    const patient = await createPatient(t.apiKey);
    await call(`/api/v1/patients/${patient.patient_id}`, { key: t.apiKey });
    const onlyReads = await call("/api/v1/audit-events?kind=read", { key: t.apiKey });
    expect(onlyReads.body.data.map((e: any) => [e.action, e.object_type, e.object_id])).toEqual([["patient.read", "patient", patient.patient_id]]);
    const changes = await call("/api/v1/audit-events?kind=change", { key: t.apiKey });
    expect(changes.body.data.map((e: any) => e.action)).toEqual(["patient.created", "api_key.issued", "tenant.created"]);
    const bad = await call("/api/v1/audit-events?kind=peek", { key: t.apiKey });
    expect(bad.status).toBe(400);
  });

  it("does not serve what it cannot record", async () => {
    const t = await createTenant();
    const patient = await createPatient(t.apiKey, { firstName: "Unrecorded" });
    await env.DB.prepare(`CREATE TRIGGER fail_reads BEFORE INSERT ON audit_events WHEN NEW.tenant_id = '${t.id}' BEGIN SELECT RAISE(ABORT, 'injected'); END`).run();
    try {
      const res = await call(`/api/v1/patients/${patient.patient_id}`, { key: t.apiKey });
      expect(res.status).toBe(500);
      expectEnvelope(res.body, 500, `/api/v1/patients/${patient.patient_id}`, "GET", "Internal server error");
      expect(JSON.stringify(res.body)).not.toContain("Unrecorded");
    } finally {
      await env.DB.prepare("DROP TRIGGER fail_reads").run();
    }
  });
});

describe("attachment links", () => {
  async function messageWithFile() {
    const t = await commsSetup();
    const sent = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Card" }, [new File([PNG], "card.png")]);
    expect(sent.status).toBe(200);
    return { ...t, link: new URL(sent.body.files[0] as string), messageId: sent.body.id as string };
  }

  it("are bound to the tenant and the reading key, live ten minutes, and each use is recorded", async () => {
    const t = await messageWithFile();
    expect(t.link.searchParams.get("tenant")).toBe(t.tenantId);
    expect(t.link.searchParams.get("for")).toBe(t.tenant.apiKeyId);
    const lifetime = Number(t.link.searchParams.get("expires")) - Date.now() / 1000;
    expect(lifetime).toBeGreaterThan(590);
    expect(lifetime).toBeLessThanOrEqual(600);

    const fileId = t.link.pathname.split("/").pop()!;
    const res = await SELF.fetch(t.link.toString());
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PNG);
    const [row] = await reads(t.tenantId, res.headers.get("X-Request-Id"));
    expect(row).toEqual({
      action: "file.read",
      object_id: fileId,
      actor_type: "signed_link",
      actor_id: t.tenant.apiKeyId,
      request_id: res.headers.get("X-Request-Id"),
      detail: '{"issuedTo":"api_key"}',
    });
    const listed = await call(`/api/v1/audit-events?action=file.read`, { key: t.key });
    expect(listed.body.data[0].actor).toEqual({ type: "signed_link", api_key_id: t.tenant.apiKeyId });
  });

  it("refuse another tenant's file, even correctly signed", async () => {
    const mine = await messageWithFile();
    const theirs = await messageWithFile();
    const theirFile = theirs.link.pathname.split("/").pop()!;
    // My link's parameters on their file: the signature does not cover it.
    const swapped = new URL(mine.link);
    swapped.pathname = `/files/${theirFile}`;
    expect((await SELF.fetch(swapped.toString())).status).toBe(403);
    // Signed (with the deployment's key) for my tenant but naming their file: not my tenant's file.
    const crossed = await signedFileUrl(BASE, env.FILES_SIGNING_KEY!, { tenantId: mine.tenantId, fileId: theirFile, issuedTo: mine.tenant.apiKeyId });
    const res = await SELF.fetch(crossed);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.message).toBe("File not found");
    expect((await reads(mine.tenantId)).filter((r) => r.action === "file.read")).toEqual([]);
    expect((await reads(theirs.tenantId)).filter((r) => r.action === "file.read")).toEqual([]);
  });

  it("given to Twilio for MMS live fifteen minutes and are recorded as read by the messaging provider", async () => {
    const t = await commsSetup();
    await useTwilio(t.key);
    const sent = fakeTwilioMessages(server);
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Card" }, [new File([PNG], "card.png")]);
    expect(res.status).toBe(200);
    const media = new URL(sent[0]!.params.get("MediaUrl")!);
    expect(media.searchParams.get("tenant")).toBe(t.tenantId);
    expect(media.searchParams.get("for")).toBe(FOR_PROVIDER);
    const lifetime = Number(media.searchParams.get("expires")) - Date.now() / 1000;
    expect(lifetime).toBeGreaterThan(890);
    expect(lifetime).toBeLessThanOrEqual(900);

    // Twilio fetches it promptly, with no credentials of ours.
    const fetched = await SELF.fetch(media.toString());
    expect(fetched.status).toBe(200);
    const [row] = await reads(t.tenantId, fetched.headers.get("X-Request-Id"));
    expect(row).toMatchObject({ action: "file.read", actor_type: "signed_link", actor_id: null, detail: '{"issuedTo":"messaging_provider"}' });
  });

  it("are not served when the read cannot be recorded", async () => {
    const t = await messageWithFile();
    await env.DB.prepare(`CREATE TRIGGER fail_file_reads BEFORE INSERT ON audit_events WHEN NEW.action = 'file.read' BEGIN SELECT RAISE(ABORT, 'injected'); END`).run();
    try {
      const res = await SELF.fetch(t.link.toString());
      expect(res.status).toBe(500);
      const body = new Uint8Array(await res.arrayBuffer());
      expect(body.slice(0, 4)).not.toEqual(PNG.slice(0, 4));
    } finally {
      await env.DB.prepare("DROP TRIGGER fail_file_reads").run();
    }
    expect((await SELF.fetch(t.link.toString())).status).toBe(200);
    expect((await listMessages(t.key, t.chat.id)).data).toHaveLength(1);
  });
});
