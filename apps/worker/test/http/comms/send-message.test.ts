import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MESSAGE_TYPES } from "@switchboard/schemas";
import { optIn, optOut } from "../../../src/consent/opt-outs";
import { createDb } from "../../../src/lib/db";
import { signedFileUrl } from "../../../src/messages/file-links";
import { BASE, call, comms, ISO, UUID } from "../../helpers/http";
import { createPatient } from "../../helpers/tenants";
import { chatFor, commsSetup, createStaffUser, JPEG, listMessages, messageForm, PDF, PNG, sendMessage, setMessaging } from "../../helpers/messaging";
import { poll } from "../../helpers/wait";

const MESSAGE_KEYS = [
  "id", "chatId", "status", "sender", "createdDate", "messageUid", "content", "errorMessage", "sendoMessageId",
  "functionCall", "files", "suggestedMessages", "toolCalls", "eventId", "type",
];

/** Fast simulated deliveries for tests. */
async function fastSimulator(key: string, outcome = "delivered") {
  const res = await setMessaging(key, { provider: "simulator", simulator: { outcome, stepMs: 5 } });
  expect(res.status).toBe(200);
}

async function messageRow(id: string) {
  return env.DB.prepare("SELECT * FROM messages WHERE id = ?").bind(id).first<Record<string, any>>();
}

describe("POST /comms/chat/send-message", () => {
  it("answers the documented Message object, field by field, and delivers through the simulator", async () => {
    const t = await commsSetup();
    await fastSimulator(t.key);
    const res = await sendMessage(t.key, t.tenantId, {
      sender_id: t.user.id,
      chat_id: t.chat.id,
      content: "Your appointment is tomorrow at 10:00. Reply STOP to opt out.",
      message_uid: "uid-1",
      event_id: "evt-9",
      message_type: "REMINDER",
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(MESSAGE_KEYS);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID),
      chatId: t.chat.id,
      status: "QUEUED",
      sender: { id: t.user.id, type: "PROVIDER", firstName: "Dana", lastName: "Nurse", phoneNumber: null, email: null, locationId: null },
      createdDate: expect.stringMatching(ISO),
      messageUid: "uid-1",
      content: "Your appointment is tomorrow at 10:00. Reply STOP to opt out.",
      errorMessage: null,
      sendoMessageId: `SIM${res.body.id.replaceAll("-", "")}`,
      functionCall: {},
      files: [],
      suggestedMessages: [],
      toolCalls: [],
      eventId: "evt-9",
      type: "REMINDER",
    });
    const delivered = await poll(() => listMessages(t.key, t.chat.id), (page) => page.data[0]?.status === "DELIVERED");
    expect(delivered.data).toEqual([{ ...res.body, status: "DELIVERED" }]);
    expect((await messageRow(res.body.id))?.to_number).toBe(t.patient.phone_number);
  });

  it("leaves optional fields null when not sent, and accepts every message_type", async () => {
    const t = await commsSetup();
    await fastSimulator(t.key);
    const bare = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hello" });
    expect(bare.status).toBe(200);
    expect(bare.body).toMatchObject({ messageUid: null, eventId: null, type: null, errorMessage: null, files: [] });
    for (const type of MESSAGE_TYPES) {
      const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: `A ${type}`, message_type: type });
      expect(res.status, type).toBe(200);
      expect(res.body.type, type).toBe(type);
    }
    const page = await listMessages(t.key, t.chat.id, "?size=3");
    expect(page.pagination).toEqual({ start: 1, requested_size: 3, returned_count: 3, total: 1 + MESSAGE_TYPES.length, hasMore: true });
    // newest first
    expect(page.data[0].type).toBe(MESSAGE_TYPES[MESSAGE_TYPES.length - 1]);
    await poll(() => listMessages(t.key, t.chat.id, "?size=500"), (p) => p.data.every((m: any) => m.status === "DELIVERED"));
  });

  it("answers 422 in FastAPI's shape for missing and invalid fields, storing nothing", async () => {
    const t = await commsSetup();
    const cases: [Record<string, string | undefined>, { loc: (string | number)[]; msg: string; type: string }[]][] = [
      [{}, [
        { loc: ["body", "sender_id"], msg: "Field required", type: "missing" },
        { loc: ["body", "chat_id"], msg: "Field required", type: "missing" },
      ]],
      [{ sender_id: t.user.id, chat_id: t.chat.id, content: "x", message_type: "SPAM" }, [
        { loc: ["body", "message_type"], msg: "Input should be 'REMINDER', 'OVERRIDE', 'FOLLOW_UP', 'EXPIRED', 'CONFIRMATION', 'INTRODUCTORY', 'CANCELLED' or 'UPDATE'", type: "enum" },
      ]],
      [{ sender_id: t.user.id, chat_id: t.chat.id, content: "x".repeat(1601) }, [
        { loc: ["body", "content"], msg: "String should have at most 1600 characters", type: "string_too_long" },
      ]],
      [{ sender_id: t.user.id, chat_id: t.chat.id }, [{ loc: ["body", "content"], msg: "Value error, a message needs content or files", type: "value_error" }]],
      [{ sender_id: t.user.id, chat_id: t.chat.id, content: "x", files: "not-a-file" }, [
        { loc: ["body", "files", 0], msg: "Value error, Expected UploadFile, received: <class 'str'>", type: "value_error" },
      ]],
    ];
    for (const [fields, detail] of cases) {
      const res = await sendMessage(t.key, t.tenantId, fields);
      expect(res.status, JSON.stringify(fields).slice(0, 60)).toBe(422);
      expect(res.body, JSON.stringify(fields).slice(0, 60)).toEqual({ detail });
    }
    // JSON where a form is expected
    const asJson = await comms("/comms/chat/send-message", { key: t.key, tenant: t.tenantId, json: { sender_id: t.user.id, chat_id: t.chat.id } });
    expect(asJson.status).toBe(415);
    expect(asJson.body).toEqual({ detail: "Unsupported Media Type" });
    expect((await listMessages(t.key, t.chat.id)).pagination.total).toBe(0);
  });

  it("404s unknown or foreign chats, senders and quotes; 409 for a patient without a phone", async () => {
    const t = await commsSetup();
    const other = await commsSetup();
    const base = { sender_id: t.user.id, chat_id: t.chat.id, content: "hi" };
    for (const [fields, detail] of [
      [{ ...base, chat_id: other.chat.id }, "Chat not found"],
      [{ ...base, chat_id: "nope" }, "Chat not found"],
      [{ ...base, sender_id: other.user.id }, "Sender not found: sender_id must be a staff user of this tenant (POST /api/v1/users)"],
      [{ ...base, sender_id: t.patient.patient_id }, "Sender not found: sender_id must be a staff user of this tenant (POST /api/v1/users)"],
      [{ ...base, quote_id: "99999999-9999-4999-8999-999999999999" }, "Quoted message not found in this chat"],
    ] as const) {
      const res = await sendMessage(t.key, t.tenantId, fields);
      expect(res, JSON.stringify(fields)).toMatchObject({ status: 404, body: { detail } });
    }
    const deleted = await createStaffUser(t.key);
    await call(`/api/v1/users/${deleted.id}`, { method: "DELETE", key: t.key });
    expect((await sendMessage(t.key, t.tenantId, { ...base, sender_id: deleted.id })).status).toBe(404);

    const noPhone = await createPatient(t.key, { phoneNumber: null });
    const chat = await chatFor(t.key, noPhone.patient_id);
    const res = await sendMessage(t.key, t.tenantId, { ...base, chat_id: chat.id });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/no phone number/);
  });

  it("quotes a message of the same chat", async () => {
    const t = await commsSetup();
    await fastSimulator(t.key);
    const first = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "first" });
    const reply = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "second", quote_id: first.body.id });
    expect(reply.status).toBe(200);
    expect((await messageRow(reply.body.id))?.quote_id).toBe(first.body.id);
    await poll(() => listMessages(t.key, t.chat.id), (p) => p.data.every((m: any) => m.status === "DELIVERED"));
  });

  it("is idempotent by message_uid: the same uid in the same chat returns the first message, sent once", async () => {
    const t = await commsSetup();
    await fastSimulator(t.key);
    const fields = { sender_id: t.user.id, chat_id: t.chat.id, content: "Only once", message_uid: "dup-1" };
    const first = await sendMessage(t.key, t.tenantId, fields);
    const again = await sendMessage(t.key, t.tenantId, { ...fields, content: "Changed text" });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.content).toBe("Only once");
    // concurrent repeats race to one message
    const racing = await Promise.all(Array.from({ length: 6 }, () => sendMessage(t.key, t.tenantId, { ...fields, message_uid: "dup-2" })));
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
    expect(racing.every((r) => r.status === 200)).toBe(true);
    // the same uid in another chat is another message
    const patient = await createPatient(t.key);
    const otherChat = await chatFor(t.key, patient.patient_id);
    const elsewhere = await sendMessage(t.key, t.tenantId, { ...fields, chat_id: otherChat.id });
    expect(elsewhere.body.id).not.toBe(first.body.id);
    const page = await poll(() => listMessages(t.key, t.chat.id), (p) => p.data.every((m: any) => m.status === "DELIVERED"));
    expect(page.pagination.total).toBe(2);
    const sent = await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE chat_id = ? AND provider_message_id IS NOT NULL").bind(t.chat.id).first<{ n: number }>();
    expect(sent?.n).toBe(2);
  });

  it("moves through the simulator's unhappy endings", async () => {
    for (const [outcome, status, error] of [["undelivered", "UNDELIVERED", /Unreachable/], ["failed", "FAILED", /failed/]] as const) {
      const t = await commsSetup();
      await fastSimulator(t.key, outcome);
      const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "x" });
      const page = await poll(() => listMessages(t.key, t.chat.id), (p) => p.data[0].status === status);
      expect(page.data[0].status).toBe(status);
      expect(page.data[0].errorMessage).toMatch(error);
      expect(page.data[0].id).toBe(res.body.id);
    }
  });

  it("sends nothing to an opted-out patient (OPTED_OUT) until they opt back in", async () => {
    const t = await commsSetup();
    await fastSimulator(t.key);
    const db = createDb(env.DB);
    await optOut(db, { tenantId: t.tenantId, phoneNumber: t.patient.phone_number, patientId: t.patient.patient_id, source: "sms_keyword", keyword: "STOP" });
    const blocked = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Are you there?" });
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ status: "OPTED_OUT", sendoMessageId: null, errorMessage: expect.stringMatching(/opted out/) });
    expect((await chatFor(t.key, t.patient.patient_id)).optedOutOfSms).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect((await listMessages(t.key, t.chat.id)).data[0].status).toBe("OPTED_OUT");

    await optIn(db, t.tenantId, t.patient.phone_number, "sms_keyword:START");
    const sent = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Welcome back" });
    expect(sent.body.status).toBe("QUEUED");
    await poll(() => listMessages(t.key, t.chat.id), (p) => p.data[0].status === "DELIVERED");
  });

  it("authenticates like the rest of /comms", async () => {
    const t = await commsSetup();
    const other = await commsSetup();
    const form = () => messageForm({ sender_id: t.user.id, chat_id: t.chat.id, content: "x" });
    expect(await comms("/comms/chat/send-message", { key: t.key, tenant: other.tenantId, form: form() })).toMatchObject({ status: 403, body: { detail: expect.any(String) } });
    expect(await comms("/comms/chat/send-message", { key: t.key, tenant: null, form: form() })).toMatchObject({ status: 422 });
    expect(await comms("/comms/chat/send-message", { key: "wrong", tenant: t.tenantId, form: form() })).toMatchObject({ status: 401, body: { detail: "Invalid API key" } });
    expect((await listMessages(t.key, t.chat.id)).pagination.total).toBe(0);
  });
});

describe("attachments", () => {
  it("stores files in R2 and answers signed links that fetch them", async () => {
    const t = await commsSetup();
    await fastSimulator(t.key);
    const files = [new File([PNG], "x-ray.png", { type: "image/png" }), new File([PDF], "../../etc/Lab results.pdf", { type: "application/pdf" })];
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Your results" }, files);
    expect(res.status).toBe(200);
    expect(res.body.files).toHaveLength(2);
    // Bound to the tenant and handed to the reading key; signed; short-lived.
    const linkPattern = new RegExp(`^${BASE}/files/[0-9a-f-]{36}\\?tenant=${t.tenantId}&for=${t.tenant.apiKeyId}&expires=\\d+&signature=[\\w-]+$`);
    for (const link of res.body.files) expect(link).toMatch(linkPattern);

    const png = await SELF.fetch(res.body.files[0]);
    expect(png.status).toBe(200);
    expect(png.headers.get("Content-Type")).toBe("image/png");
    expect(png.headers.get("Content-Disposition")).toBe('inline; filename="x-ray.png"');
    expect(new Uint8Array(await png.arrayBuffer())).toEqual(PNG);
    const pdf = await SELF.fetch(res.body.files[1]);
    expect(pdf.headers.get("Content-Type")).toBe("application/pdf");
    expect(pdf.headers.get("Content-Disposition")).toBe('inline; filename="Lab results.pdf"');
    expect(new Uint8Array(await pdf.arrayBuffer())).toEqual(PDF);

    // stored once, in R2, with the message
    const row = await messageRow(res.body.id);
    const stored = JSON.parse(row!.files);
    expect(stored.map((f: any) => [f.name, f.contentType, f.size])).toEqual([["x-ray.png", "image/png", PNG.length], ["Lab results.pdf", "application/pdf", PDF.length]]);
    expect(await env.FILES.head(stored[0].key)).not.toBeNull();
    // the chat listing gives fresh links to the same files
    const listed = await listMessages(t.key, t.chat.id);
    expect(listed.data[0].files.map((u: string) => new URL(u).pathname)).toEqual(res.body.files.map((u: string) => new URL(u).pathname));
    await poll(() => listMessages(t.key, t.chat.id), (p) => p.data[0].status === "DELIVERED");
  });

  it("accepts the list under files[], files[0] and the documented files.0.items", async () => {
    const t = await commsSetup();
    await fastSimulator(t.key);
    for (const field of ["files[]", "files[0]", "files.0.items"]) {
      const form = messageForm({ sender_id: t.user.id, chat_id: t.chat.id }, [new File([JPEG], "a.jpg")], field);
      const res = await comms("/comms/chat/send-message", { key: t.key, tenant: t.tenantId, form });
      expect(res.status, field).toBe(200);
      expect(res.body.files, field).toHaveLength(1);
      expect(res.body.content).toBeNull();
    }
    await poll(() => listMessages(t.key, t.chat.id), (p) => p.data.every((m: any) => m.status === "DELIVERED"));
  });

  it("refuses tampered, foreign and expired links", async () => {
    const t = await commsSetup();
    await fastSimulator(t.key);
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id }, [new File([PNG], "a.png")]);
    const link = new URL(res.body.files[0]);
    const fileId = link.pathname.split("/").pop()!;
    const expires = link.searchParams.get("expires")!;
    const signature = link.searchParams.get("signature")!;
    /** The link with some of its parameters changed (null: left out), or pointing at another file. */
    const altered = (changes: Record<string, string | null>, id = fileId) => {
      const url = new URL(link);
      url.pathname = `/files/${id}`;
      for (const [name, value] of Object.entries(changes)) {
        if (value === null) url.searchParams.delete(name);
        else url.searchParams.set(name, value);
      }
      return url.toString();
    };
    const other = await commsSetup();
    const cases: [string, number, string][] = [
      [altered({ expires: String(Number(expires) + 3600) }), 403, "Invalid file link"],
      [altered({ signature: `${signature.slice(0, -2)}AA` }), 403, "Invalid file link"],
      [altered({}, crypto.randomUUID()), 403, "Invalid file link"],
      [altered({ signature: null }), 403, "Invalid file link"],
      [altered({ tenant: other.tenantId }), 403, "Invalid file link"],
      [altered({ for: other.tenant.apiKeyId }), 403, "Invalid file link"],
      [altered({ tenant: null, for: null }), 403, "Invalid file link"],
      [`${BASE}/files/${fileId}`, 403, "Invalid file link"],
    ];
    for (const [url, status, message] of cases) {
      const r = await SELF.fetch(url);
      expect(r.status, url).toBe(status);
      expect(((await r.json()) as any).error.message).toBe(message);
    }
    const mine = { tenantId: t.tenantId, fileId, issuedTo: t.tenant.apiKeyId };
    // Correctly signed, but expired (signed ten minutes and a second ago with the deployment's key)
    const expired = await signedFileUrl(BASE, env.FILES_SIGNING_KEY!, mine, Date.now() - 601_000);
    const r = await SELF.fetch(expired);
    expect(r.status).toBe(410);
    expect(((await r.json()) as any).error.message).toMatch(/expired/);
    // Signed with another key
    const forged = await signedFileUrl(BASE, "another-deployment-key-0123456789abcdef", mine);
    expect((await SELF.fetch(forged)).status).toBe(403);
    // Correctly signed for another tenant: that tenant has no such file.
    const foreign = await signedFileUrl(BASE, env.FILES_SIGNING_KEY!, { ...mine, tenantId: other.tenantId, issuedTo: other.tenant.apiKeyId });
    expect((await SELF.fetch(foreign)).status).toBe(404);
    await poll(() => listMessages(t.key, t.chat.id), (p) => p.data[0].status === "DELIVERED");
  });

  it("enforces type, size and count limits with clear errors, storing nothing", async () => {
    const t = await commsSetup();
    const base = { sender_id: t.user.id, chat_id: t.chat.id, content: "x" };
    const html = new File([new TextEncoder().encode("<html><script>alert(1)</script>")], "photo.png", { type: "image/png" });
    const typed = await sendMessage(t.key, t.tenantId, base, [html]);
    expect(typed.status).toBe(415);
    expect(typed.body).toEqual({ detail: "Unsupported file type for photo.png: send image/jpeg, image/png, image/gif, application/pdf" });

    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    big.set(PNG);
    const tooBig = await sendMessage(t.key, t.tenantId, base, [new File([big], "big.png")]);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.detail).toMatch(/at most 5242880 bytes/);

    const eleven = Array.from({ length: 11 }, (_, i) => new File([PNG], `p${i}.png`));
    const tooMany = await sendMessage(t.key, t.tenantId, base, eleven);
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.detail).toBe("Too many files: at most 10 per message (got 11)");

    const empty = await sendMessage(t.key, t.tenantId, base, [new File([], "empty.png")]);
    expect(empty.status).toBe(422);

    const huge = new Uint8Array(6 * 1024 * 1024);
    const overBody = await sendMessage(t.key, t.tenantId, base, [new File([huge], "huge.png")]);
    expect(overBody.status).toBe(413);
    expect(overBody.body.detail).toMatch(/Request body too large/);

    expect((await listMessages(t.key, t.chat.id)).pagination.total).toBe(0);
    const listing = await env.FILES.list({ prefix: "files/" });
    const mine = await Promise.all(listing.objects.map((o) => env.FILES.head(o.key)));
    expect(mine.filter((o) => o?.customMetadata?.tenantId === t.tenantId)).toHaveLength(0);
  });
});
