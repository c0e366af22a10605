import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { verifyWebhook, WebhookVerificationError } from "../src";

// Signed by the reference implementation, so the SDK is checked against the spec's own code.
const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
const other = `whsec_${Buffer.from("fedcba9876543210fedcba9876543210").toString("base64")}`;
const body = JSON.stringify({ type: "call.completed", timestamp: "2026-01-01T00:00:00.000Z", data: { call_id: "c1" } });

function signed(withSecret: string, at = new Date(), id = "msg_1") {
  const signature = new Webhook(withSecret).sign(id, at, body);
  return { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": signature };
}

describe("verifyWebhook", () => {
  it("accepts a delivery signed by standardwebhooks and returns its event", async () => {
    const event = await verifyWebhook(secret, body, signed(secret));
    expect(event).toEqual(JSON.parse(body));
  });

  it("reads a Headers object as well as a plain record (any header case)", async () => {
    const h = signed(secret);
    const headers = new Headers({ "Webhook-Id": h["webhook-id"], "WEBHOOK-TIMESTAMP": h["webhook-timestamp"], "webhook-signature": h["webhook-signature"] });
    await expect(verifyWebhook(secret, body, headers)).resolves.toMatchObject({ type: "call.completed" });
  });

  it("accepts either signature during a rotation (two, space separated)", async () => {
    const a = signed(other);
    const b = signed(secret);
    const headers = { ...b, "webhook-signature": `${a["webhook-signature"]} ${b["webhook-signature"]}` };
    await expect(verifyWebhook(secret, body, headers)).resolves.toBeDefined();
  });

  it("refuses a tampered body, a wrong secret, and a missing header", async () => {
    await expect(verifyWebhook(secret, body.replace("c1", "c2"), signed(secret))).rejects.toThrow(WebhookVerificationError);
    await expect(verifyWebhook(secret, body, signed(other))).rejects.toThrow("No webhook-signature matches");
    const { "webhook-id": _, ...noId } = signed(secret);
    await expect(verifyWebhook(secret, body, noId)).rejects.toThrow("Missing");
  });

  it("refuses a delivery older or newer than the tolerance (a replayed capture)", async () => {
    const old = new Date(Date.now() - 10 * 60_000);
    await expect(verifyWebhook(secret, body, signed(secret, old))).rejects.toThrow("too far from now");
    await expect(verifyWebhook(secret, body, signed(secret, old), { toleranceSeconds: 3600 })).resolves.toBeDefined();
    await expect(verifyWebhook(secret, body, signed(secret, new Date(Date.now() + 10 * 60_000)))).rejects.toThrow("too far from now");
  });
});
