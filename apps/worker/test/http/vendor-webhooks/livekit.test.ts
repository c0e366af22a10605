import { DisconnectReason } from "@livekit/protocol";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeLiveKit } from "../../fakes/livekit";
import { postWebhook } from "../../helpers/http";
import { placeOnVendor } from "../../helpers/vendors";
import { getCall, getEvents, hangup, statusWalk } from "../../helpers/calls";
import { server } from "../../network";

const API_KEY = "APIq7Hk2mNwXyZ";
const API_SECRET = "s3cr3tL1v3K1tS3cr3tF0rT3st1ngOnly42";
const BASE = "https://switchboard-test.livekit.cloud";
const livekit = fakeLiveKit(API_KEY, API_SECRET, BASE, { post: postWebhook });
beforeEach(() => server.use(...livekit.handlers));

const CREDENTIALS = {
  apiKey: API_KEY,
  apiSecret: API_SECRET,
  baseUrl: "wss://switchboard-test.livekit.cloud",
  fromNumber: "+15555550100",
  options: { sipTrunkId: "ST_outbound123", ringingTimeoutSeconds: 30 },
};

async function livekitCall(extra: Record<string, unknown> = {}) {
  const placed = await placeOnVendor("livekit", "reminder-agent", CREDENTIALS, extra);
  return { ...placed, sip: livekit.calls.get(livekit.roomFor(placed.callId))! };
}

function forCall(method: string, room: string) {
  return livekit.requests.find((r) => r.url.endsWith(method) && (r.body.room === room || r.body.roomName === room))!;
}

describe("livekit: webhooks drive the call", () => {
  it("reaches completed from participant and room webhooks, with the agent's report", async () => {
    const { key, callId, url, sip } = await livekitCall();
    expect((await livekit.send(url, livekit.events.joined(sip))).body).toMatchObject({ applied: 1 });
    expect((await getCall(key, callId)).status).toBe("dialing");
    await livekit.send(url, livekit.events.answered(sip));
    expect(await getCall(key, callId)).toMatchObject({ status: "in-progress", outcome: "human" });
    await livekit.send(url, livekit.events.left(sip, DisconnectReason.CLIENT_INITIATED));
    expect((await getCall(key, callId)).status).toBe("summarizing");
    await livekit.send(url, livekit.events.finished(sip));
    // The agent's report may trail the room: it is still taken.
    await livekit.send(url, livekit.events.agentLeft(sip, { summary: "Confirmed for Tuesday", patient_confirmed: true }));
    const call = await getCall(key, callId);
    expect(call).toMatchObject({
      status: "completed",
      outcome: "human",
      final_report: { outcome: "human", disconnect_reason: "CLIENT_INITIATED", summary: "Confirmed for Tuesday", patient_confirmed: true },
    });
    expect(statusWalk(await getEvents(key, callId))).toEqual(["queued", "initiating", "dialing", "in-progress", "summarizing", "completed"]);
  });

  it.each([
    [DisconnectReason.USER_REJECTED, "busy"],
    [DisconnectReason.USER_UNAVAILABLE, "no_answer"],
    [DisconnectReason.CLIENT_INITIATED, "no_answer"],
    [DisconnectReason.SIP_TRUNK_FAILURE, "provider_error"],
  ])("a phone leg that leaves unanswered (%s) fails the call as %s", async (reason, outcome) => {
    const { key, callId, url, sip } = await livekitCall();
    await livekit.send(url, livekit.events.joined(sip));
    await livekit.send(url, livekit.events.left(sip, reason));
    expect(await getCall(key, callId)).toMatchObject({ status: "failed", outcome });
  });

  it("ignores duplicates and late events", async () => {
    const { key, callId, url, sip } = await livekitCall();
    const joined = livekit.events.joined(sip);
    const answered = livekit.events.answered(sip);
    await livekit.send(url, answered);
    expect((await livekit.send(url, joined)).body).toMatchObject({ applied: 0, unchanged: 1 });
    expect((await livekit.send(url, answered)).body).toMatchObject({ applied: 0, unchanged: 1 });
    await livekit.send(url, livekit.events.left(sip, DisconnectReason.CLIENT_INITIATED));
    await livekit.send(url, answered);
    expect((await getCall(key, callId)).status).toBe("summarizing");
    expect(statusWalk(await getEvents(key, callId))).toEqual(["queued", "initiating", "dialing", "in-progress", "summarizing"]);
  });

  it("answers rooms that are not Switchboard's without touching anything", async () => {
    const { url } = await livekitCall();
    const res = await livekit.send(url, livekit.webhook("room_started", "team-standup"));
    expect(res).toEqual({ status: 200, body: { received: true, applied: 0, unchanged: 0, unmatched: 0 } });
  });
});

describe("livekit: signatures", () => {
  it("accepts what the server signs, as the SDK's WebhookReceiver does", async () => {
    const { url, sip, key, callId } = await livekitCall();
    const body = livekit.events.joined(sip);
    const token = await livekit.sign(body);
    expect((await livekit.receiver.receive(body, token)).event).toBe("participant_joined");
    expect((await postWebhook(url, body, { "content-type": "application/webhook+json", authorization: token })).status).toBe(200);
    expect((await getCall(key, callId)).status).toBe("dialing");
  });

  it("refuses tampered bodies, other secrets or keys, expired or missing tokens with 401, changing nothing", async () => {
    const { url, sip, key, callId } = await livekitCall();
    const body = livekit.events.answered(sip);
    const tampered = body.replace('"active"', '"hangup"');
    await expect(livekit.receiver.receive(tampered, await livekit.sign(body))).rejects.toThrow(/sha256/);
    await expect(livekit.receiver.receive(body, await livekit.sign(body, { ttl: "-10m" }))).rejects.toThrow(/exp/);
    const results = await Promise.all([
      livekit.send(url, body, { tamper: () => tampered }),
      livekit.send(url, body, { secret: "another-secret-another-secret-12345" }),
      livekit.send(url, body, { key: "APIsomeoneElse" }),
      livekit.send(url, body, { ttl: "-10m" }),
      postWebhook(url, body, { "content-type": "application/webhook+json" }),
      postWebhook(url, body, { "content-type": "application/webhook+json", authorization: "not-a-jwt" }),
    ]);
    expect(results.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401]);
    expect((await getCall(key, callId)).status).toBe("initiating");
  });
});
