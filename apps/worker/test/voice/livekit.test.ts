import { env } from "cloudflare:workers";
import { CreateAgentDispatchRequest, CreateSIPParticipantRequest, DisconnectReason } from "@livekit/protocol";
import { createProvider, LIVEKIT_DISCONNECT_REASONS, LIVEKIT_SIP_CALL_STATUSES } from "@switchboard/providers";
import { TokenVerifier } from "livekit-server-sdk";
import { HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { reconcileQuietCalls } from "../../src/calls/reconcile";
import { fakeLiveKit } from "../fakes/livekit";
import { postWebhook } from "../helpers/http";
import { vendorSetup } from "../helpers/vendors";
import { eventsOf, getCall, getEvents, hangup, placeCall, statusWalk } from "../helpers/calls";
import { waitForCall } from "../helpers/wait";
import { server } from "../network";

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
  const setup = await vendorSetup([{ provider: "livekit", agent: "reminder-agent" }], { livekit: CREDENTIALS });
  const callId = await placeCall(setup.key, setup.patient.patient_id, setup.agent.id, extra);
  return { ...setup, callId, url: setup.webhooks.livekit!, sip: livekit.calls.get(livekit.roomFor(callId))! };
}

function forCall(method: string, room: string) {
  return livekit.requests.find((r) => r.url.endsWith(method) && (r.body.room === room || r.body.roomName === room))!;
}

describe("livekit: placing and hanging up", () => {
  it("dispatches the agent and dials the patient over Twirp, as the server SDK would", async () => {
    const { callId, patient, agent } = await livekitCall({ reason: "lab results" });
    const room = `outbound-${callId}`;
    const verifier = new TokenVerifier(API_KEY, API_SECRET);

    const dispatch = forCall("/CreateDispatch", room);
    expect(dispatch.url).toBe(`${BASE}/twirp/livekit.AgentDispatchService/CreateDispatch`);
    expect(dispatch.headers["content-type"]).toBe("application/json");
    expect(dispatch.body).toEqual({
      room,
      agentName: "reminder-agent",
      metadata: JSON.stringify({ callId, agentId: agent.id, reason: "lab results", variables: { reason: "lab results" } }),
    });
    // The body is the protocol's own canonical JSON of the message.
    expect(CreateAgentDispatchRequest.fromJson(dispatch.body).toJson()).toEqual(dispatch.body);
    const dispatchGrants = await verifier.verify(dispatch.headers.authorization!.replace("Bearer ", ""));
    expect(dispatchGrants).toMatchObject({ iss: API_KEY, video: { roomAdmin: true, room } });

    const sip = forCall("/CreateSIPParticipant", room);
    expect(sip.url).toBe(`${BASE}/twirp/livekit.SIP/CreateSIPParticipant`);
    expect(sip.body).toEqual({
      sipTrunkId: "ST_outbound123",
      sipCallTo: patient.phone_number,
      sipNumber: "+15555550100",
      roomName: room,
      participantIdentity: `sip-${callId}`,
      participantName: "Patient",
      participantAttributes: { "switchboard.callId": callId },
      ringingTimeout: "30s",
    });
    expect(CreateSIPParticipantRequest.fromJson(sip.body).toJson()).toEqual(sip.body);
    expect(await verifier.verify(sip.headers.authorization!.replace("Bearer ", ""))).toMatchObject({ iss: API_KEY, sip: { call: true } });
  });

  it("hangs up by deleting the room", async () => {
    const { key, callId } = await livekitCall();
    expect((await hangup(key, callId)).status).toBe(200);
    const room = `outbound-${callId}`;
    const del = livekit.requests.find((r) => r.url.endsWith("/DeleteRoom") && r.body.room === room)!;
    expect(del.url).toBe(`${BASE}/twirp/livekit.RoomService/DeleteRoom`);
    expect(await new TokenVerifier(API_KEY, API_SECRET).verify(del.headers.authorization!.replace("Bearer ", ""))).toMatchObject({ video: { roomCreate: true } });
    expect(livekit.deletedRooms).toContain(room);
  });

  it("cleans up the dispatched room when dialing is refused", async () => {
    const setup = await vendorSetup([{ provider: "livekit", agent: "reminder-agent" }], { livekit: CREDENTIALS });
    livekit.failNextSip(() => HttpResponse.json({ code: "invalid_argument", msg: "sip_call_to is not a valid number" }, { status: 400 }));
    const callId = await placeCall(setup.key, setup.patient.patient_id, setup.agent.id);
    expect(await getCall(setup.key, callId)).toMatchObject({ status: "failed", outcome: "invalid_number" });
    expect(livekit.deletedRooms).toContain(`outbound-${callId}`);
  });
});

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

describe("livekit: reconciliation", () => {
  it("reads the SIP participant's call status, then finds the line gone", async () => {
    const { key, callId, sip } = await livekitCall();
    sip.attributes["sip.callStatus"] = "active";
    await reconcileQuietCalls(env, Date.now() + 3 * 60_000);
    expect((await waitForCall(key, callId, (c) => c.status === "in-progress")).status).toBe("in-progress");
    const get = livekit.requests.find((r) => r.url.endsWith("/GetParticipant") && r.body.room === `outbound-${callId}`)!;
    expect(get.body).toEqual({ room: `outbound-${callId}`, identity: `sip-${callId}` });

    livekit.calls.delete(`outbound-${callId}`);
    await reconcileQuietCalls(env, Date.now() + 3 * 60_000);
    const call = await waitForCall(key, callId, (c) => c.status === "completed");
    expect(call).toMatchObject({ status: "completed", outcome: "human" });
    expect(eventsOf(await getEvents(key, callId), "provider.reconciled").at(-1).detail).toMatchObject({ reconciled: "participant_gone", via: "reconciliation" });
  });
});

describe("livekit: status map", () => {
  const EXPECTED: Record<string, [answered: string, unanswered: string]> = {
    CLIENT_INITIATED: ["summarizing/human", "failed/no_answer"],
    UNKNOWN_REASON: ["summarizing/human", "failed/no_answer"],
    ROOM_CLOSED: ["summarizing/human", "failed/provider_error"],
    USER_UNAVAILABLE: ["failed/no_answer", "failed/no_answer"],
    USER_REJECTED: ["failed/busy", "failed/busy"],
    PARTICIPANT_REMOVED: ["failed/hung_up_by_api", "failed/hung_up_by_api"],
    ROOM_DELETED: ["failed/hung_up_by_api", "failed/hung_up_by_api"],
    SIP_TRUNK_FAILURE: ["failed/provider_error", "failed/provider_error"],
    MEDIA_FAILURE: ["failed/provider_error", "failed/provider_error"],
    CONNECTION_TIMEOUT: ["failed/provider_error", "failed/provider_error"],
    SIGNAL_CLOSE: ["failed/provider_error", "failed/provider_error"],
    SERVER_SHUTDOWN: ["failed/provider_error", "failed/provider_error"],
    JOIN_FAILURE: ["failed/provider_error", "failed/provider_error"],
    STATE_MISMATCH: ["failed/provider_error", "failed/provider_error"],
    DUPLICATE_IDENTITY: ["failed/provider_error", "failed/provider_error"],
    MIGRATION: ["failed/provider_error", "failed/provider_error"],
    AGENT_ERROR: ["failed/provider_error", "failed/provider_error"],
  };
  const adapter = createProvider("livekit", { credentials: { apiKey: API_KEY, apiSecret: API_SECRET, baseUrl: BASE, options: { sipTrunkId: "ST_x" } } });
  const left = (reason: string | number, kind: string | number = "SIP") =>
    adapter.parseWebhook!(JSON.stringify({ event: "participant_left", room: { name: "outbound-c1" }, participant: { identity: "sip-c1", kind, disconnectReason: reason } }))[0]!.event;
  const read = (e: { status?: string; outcome?: string }) => `${e.status}/${e.outcome}`;

  it("covers every disconnect reason of the protocol", () => {
    const protocolReasons = Object.keys(DisconnectReason).filter((k) => Number.isNaN(Number(k)));
    expect(Object.keys(LIVEKIT_DISCONNECT_REASONS).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(protocolReasons.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))("%s", (reason, [answered, unanswered]) => {
    const event = left(reason);
    expect(read(event)).toBe(answered);
    expect(read(event.ifUnanswered ?? event)).toBe(unanswered);
    // Servers that send enums as numbers mean the same.
    expect(read(left(DisconnectReason[reason as keyof typeof DisconnectReason], 3))).toBe(answered);
  });

  it.each([
    ["dialing", "dialing/undefined"],
    ["ringing", "dialing/undefined"],
    ["automation", "dialing/undefined"],
    ["active", "in-progress/human"],
    ["hangup", "summarizing/human"],
  ])("sip.callStatus %s", (status, expected) => {
    expect(read(LIVEKIT_SIP_CALL_STATUSES[status]!)).toBe(expected);
  });

  it("other participants' comings and goings are not the call's", () => {
    expect(adapter.parseWebhook!(JSON.stringify({ event: "participant_left", room: { name: "outbound-c1" }, participant: { identity: "viewer", disconnectReason: "CLIENT_INITIATED" } }))).toEqual([]);
  });
});
