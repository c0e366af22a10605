import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE } from "../../helpers/http";
import { commsSetup, messageForm, PNG } from "../../helpers/messaging";

describe("send-message with an Idempotency-Key", () => {
  it("stores the attachment byte for byte, and a retry of the same bytes replays the same message", async () => {
    const t = await commsSetup();
    // Serialized once, as a client's retry resends the same bytes (same multipart boundary).
    const encoded = new Response(messageForm({ sender_id: t.user.id, chat_id: t.chat.id, content: "Your x-ray" }, [new File([PNG], "x-ray.png", { type: "image/png" })]));
    const contentType = encoded.headers.get("Content-Type")!;
    const bytes = await encoded.arrayBuffer();
    const send = async () => {
      const res = await SELF.fetch(`${BASE}/comms/chat/send-message`, {
        method: "POST",
        headers: { "API-KEY": t.key, TENANT: t.tenantId, "Idempotency-Key": "upload-1", "Content-Type": contentType },
        body: bytes,
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const first = await send();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const file = await SELF.fetch(first.body.files[0]);
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG);
    const retry = await send();
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);
  });
});

describe("requestFingerprint on bytes", () => {
  it("tells apart binary bodies that decode to the same replacement characters, and reads UTF-8 JSON by value", async () => {
    const { requestFingerprint } = await import("../../../src/idempotency/fingerprint");
    const url = "https://switchboard.test/comms/chat/send-message";
    const a = await requestFingerprint("POST", url, new Uint8Array([0x89, 0xff, 0xfe]).buffer);
    const b = await requestFingerprint("POST", url, new Uint8Array([0x89, 0xfe, 0xff]).buffer);
    expect(a).not.toBe(b);
    const json = await requestFingerprint("POST", url, new TextEncoder().encode('{"b":1, "a":2}').buffer as ArrayBuffer);
    expect(json).toBe(await requestFingerprint("POST", url, '{"a":2,"b":1}'));
  });
});
