import { CreateAgentDispatchRequest, CreateSIPParticipantRequest } from "@livekit/protocol";
import { TokenVerifier } from "livekit-server-sdk";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeLiveKit } from "../../../../apps/worker/test/fakes/livekit";
import { createProvider } from "../../src/index";
import { server } from "../network";
import { placeRequest } from "../request";

const API_KEY = "APIadapter7Hk2mN";
const API_SECRET = "ad4pt3rL1v3K1tS3cr3tF0rT3st1ngOnly42";
const BASE = "https://adapter-test.livekit.cloud";
const adapter = createProvider("livekit", {
  credentials: { apiKey: API_KEY, apiSecret: API_SECRET, baseUrl: BASE, fromNumber: "+15555550100", options: { sipTrunkId: "ST_outbound123", ringingTimeoutSeconds: 30 } },
});
const bearer = (r: { headers: Record<string, string> }) => r.headers.authorization!.replace("Bearer ", "");
let livekit: ReturnType<typeof fakeLiveKit>;
beforeEach(() => {
  livekit = fakeLiveKit(API_KEY, API_SECRET, BASE);
  server.use(...livekit.handlers);
});

describe("livekit adapter: calls", () => {
  it("dispatches the agent to the call's room, then dials the patient into it, each with the grants it needs", async () => {
    const request = placeRequest({ remoteAgent: "reminder-agent" });
    const room = `outbound-${request.callId}`;
    expect(await adapter.placeCall(request)).toEqual({ providerCallId: room });
    const [dispatch, sip] = livekit.requests;
    const verifier = new TokenVerifier(API_KEY, API_SECRET);
    expect(dispatch!.url).toBe(`${BASE}/twirp/livekit.AgentDispatchService/CreateDispatch`);
    expect(CreateAgentDispatchRequest.fromJson(dispatch!.body)).toMatchObject({ room, agentName: "reminder-agent" });
    expect(await verifier.verify(bearer(dispatch!))).toMatchObject({ iss: API_KEY, video: { roomAdmin: true, room } });
    expect(sip!.url).toBe(`${BASE}/twirp/livekit.SIP/CreateSIPParticipant`);
    expect(CreateSIPParticipantRequest.fromJson(sip!.body)).toMatchObject({
      sipTrunkId: "ST_outbound123",
      sipCallTo: "+15555550142",
      sipNumber: "+15555550100",
      roomName: room,
      participantIdentity: `sip-${request.callId}`,
    });
    expect(sip!.body.ringingTimeout).toBe("30s");
    expect(await verifier.verify(bearer(sip!))).toMatchObject({ sip: { call: true } });
  });

  it("deletes the dispatched room when dialing is refused", async () => {
    const request = placeRequest({ remoteAgent: "reminder-agent" });
    livekit.failNextSip(() => Response.json({ code: "invalid_argument", msg: "sip_call_to is not a valid number" }, { status: 400 }));
    await expect(adapter.placeCall(request)).rejects.toMatchObject({ retryable: false, outcome: "invalid_number" });
    expect(livekit.deletedRooms).toEqual([`outbound-${request.callId}`]);
  });

  it("hangs up by deleting the room, and reads the SIP participant's call status", async () => {
    const request = placeRequest({ remoteAgent: "reminder-agent" });
    const { providerCallId: room } = await adapter.placeCall(request);
    livekit.calls.get(room)!.attributes["sip.callStatus"] = "active";
    expect(await adapter.getCall!(room)).toEqual({ status: "in-progress", outcome: "human" });
    expect(livekit.requests.at(-1)!.body).toEqual({ room, identity: `sip-${request.callId}` });
    await adapter.hangup(room);
    expect(livekit.deletedRooms).toEqual([room]);
    // The line is gone and how it ended was missed: completed if it was answered.
    expect(await adapter.getCall!(room)).toMatchObject({ status: "completed", ifUnanswered: { status: "failed", outcome: "no_answer" } });
  });
});

describe("livekit adapter: webhook signatures", () => {
  const headers = (token: string) => new Headers({ "content-type": "application/webhook+json", authorization: token });

  it("accepts what the server signs (a token carrying the body's sha256)", async () => {
    const body = livekit.webhook("room_finished", "outbound-c1");
    expect(await adapter.verifyWebhook!({ body, headers: headers(await livekit.sign(body)) })).toBe(true);
  });

  it("refuses another secret or key, a changed body, an expired token, and none", async () => {
    const body = livekit.webhook("room_finished", "outbound-c1");
    expect(await adapter.verifyWebhook!({ body, headers: headers(await livekit.sign(body, { secret: "another-secret-another-secret-12345" })) })).toBe(false);
    expect(await adapter.verifyWebhook!({ body, headers: headers(await livekit.sign(body, { key: "APIsomeoneElse" })) })).toBe(false);
    expect(await adapter.verifyWebhook!({ body: body.replace("room_finished", "room_started"), headers: headers(await livekit.sign(body)) })).toBe(false);
    expect(await adapter.verifyWebhook!({ body, headers: headers(await livekit.sign(body, { ttl: "-10m" })) })).toBe(false);
    expect(await adapter.verifyWebhook!({ body, headers: new Headers() })).toBe(false);
  });
});
