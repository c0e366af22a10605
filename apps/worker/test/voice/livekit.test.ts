import { env } from "cloudflare:workers";
import { CreateAgentDispatchRequest, CreateSIPParticipantRequest } from "@livekit/protocol";
import { TokenVerifier } from "livekit-server-sdk";
import { HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { reconcileQuietCalls } from "../../src/calls/reconcile";
import { fakeLiveKit } from "../fakes/livekit";
import { postWebhook } from "../helpers/http";
import { placeOnVendor, vendorSetup } from "../helpers/vendors";
import { eventsOf, getCall, getEvents, hangup, placeCall } from "../helpers/calls";
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
  const placed = await placeOnVendor("livekit", "reminder-agent", CREDENTIALS, extra);
  return { ...placed, sip: livekit.calls.get(livekit.roomFor(placed.callId))! };
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

describe("livekit: reconciliation", () => {
  it("reads the SIP participant's call status, then finds the line gone", async () => {
    const { key, callId, sip } = await livekitCall();
    sip.attributes["sip.callStatus"] = "active";
    await reconcileQuietCalls(env, Date.now() + 3 * 60_000);
    // Each call's object applied the answer before the run returned.
    expect((await getCall(key, callId)).status).toBe("in-progress");
    const get = livekit.requests.find((r) => r.url.endsWith("/GetParticipant") && r.body.room === `outbound-${callId}`)!;
    expect(get.body).toEqual({ room: `outbound-${callId}`, identity: `sip-${callId}` });

    livekit.calls.delete(`outbound-${callId}`);
    await reconcileQuietCalls(env, Date.now() + 3 * 60_000);
    const call = await getCall(key, callId);
    expect(call).toMatchObject({ status: "completed", outcome: "human" });
    expect(eventsOf(await getEvents(key, callId), "provider.reconciled").at(-1).detail).toMatchObject({ reconciled: "participant_gone", via: "reconciliation" });
  });
});
