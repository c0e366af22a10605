import {
  AgentDispatch,
  CreateAgentDispatchRequest,
  CreateSIPParticipantRequest,
  DeleteRoomRequest,
  DisconnectReason,
  ParticipantInfo,
  ParticipantInfo_Kind,
  ParticipantInfo_State,
  Room,
  RoomParticipantIdentity,
  SIPParticipantInfo,
  TrackInfo,
  TrackType,
  WebhookEvent,
} from "@livekit/protocol";
import { AccessToken, TokenVerifier, WebhookReceiver } from "livekit-server-sdk";
import { http, HttpResponse } from "msw";
import { webhookPoster, type FakeVendorOptions, type Recorded, type VendorRequest } from "./vendor";

type Grants = Awaited<ReturnType<TokenVerifier["verify"]>>;

const twirpError = (status: number, code: string, msg: string) => HttpResponse.json({ code, msg }, { status });

export interface FakeSipCall {
  room: string;
  identity: string;
  number: string;
  attributes: Record<string, string>;
  dispatch: AgentDispatch;
}

/**
 * A LiveKit server's Twirp API as its reference and the server SDK describe it: JSON bodies that
 * must parse strictly as the protocol's own messages, and access tokens checked by the SDK's
 * TokenVerifier with the grants each method needs. Webhooks are built as protocol WebhookEvents and
 * signed as the server signs them (an AccessToken carrying the body's sha256).
 */
export function fakeLiveKit(apiKey: string, apiSecret: string, base: string, options: FakeVendorOptions = {}) {
  const postWebhook = webhookPoster(options);
  const verifier = new TokenVerifier(apiKey, apiSecret);
  const requests: Recorded[] = [];
  const calls = new Map<string, FakeSipCall>();
  const deletedRooms: string[] = [];
  let nextSip: (() => Response) | null = null;

  async function authorize(request: VendorRequest, allowed: (grants: Grants, body: any) => boolean, body: any): Promise<Response | null> {
    const auth = request.headers.get("authorization") ?? "";
    if (!auth.startsWith("Bearer ")) return twirpError(401, "unauthenticated", "authorization header missing");
    let grants: Grants;
    try {
      grants = await verifier.verify(auth.slice("Bearer ".length));
    } catch {
      return twirpError(401, "unauthenticated", "invalid token");
    }
    return allowed(grants, body) ? null : twirpError(403, "permission_denied", "permissions denied");
  }

  /** Records the call and parses it as the protocol message; unknown or mistyped fields are a 400, as in Twirp. */
  async function read<T>(request: VendorRequest, parse: (json: any) => T): Promise<{ message: T; json: any } | Response> {
    const entry = { method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: await request.json() as any };
    requests.push(entry);
    if (!/^application\/json/.test(request.headers.get("content-type") ?? "")) return twirpError(400, "malformed", "content-type must be application/json");
    try {
      return { message: parse(entry.body), json: entry.body };
    } catch (error) {
      return twirpError(400, "malformed", `the json request could not be decoded: ${(error as Error).message}`);
    }
  }

  const handlers = [
    http.post(`${base}/twirp/livekit.AgentDispatchService/CreateDispatch`, async ({ request }) => {
      const parsed = await read(request, (j) => CreateAgentDispatchRequest.fromJson(j));
      if (parsed instanceof Response) return parsed;
      const denied = await authorize(request, (g) => g.video?.roomAdmin === true && g.video?.room === parsed.message.room, parsed.json);
      if (denied) return denied;
      const dispatch = new AgentDispatch({ id: `AD_${crypto.randomUUID().slice(0, 12)}`, agentName: parsed.message.agentName, room: parsed.message.room, metadata: parsed.message.metadata });
      calls.set(parsed.message.room, { room: parsed.message.room, identity: "", number: "", attributes: {}, dispatch });
      return HttpResponse.json(dispatch.toJson());
    }),
    http.post(`${base}/twirp/livekit.SIP/CreateSIPParticipant`, async ({ request }) => {
      const parsed = await read(request, (j) => CreateSIPParticipantRequest.fromJson(j));
      if (parsed instanceof Response) return parsed;
      const denied = await authorize(request, (g) => g.sip?.call === true, parsed.json);
      if (denied) return denied;
      if (nextSip) {
        const respond = nextSip;
        nextSip = null;
        return respond();
      }
      const m = parsed.message;
      if (!m.sipTrunkId || !m.sipCallTo || !m.roomName) return twirpError(400, "invalid_argument", "trunk, number and room are required");
      const call = calls.get(m.roomName) ?? { room: m.roomName, identity: "", number: "", attributes: {}, dispatch: new AgentDispatch() };
      Object.assign(call, { identity: m.participantIdentity, number: m.sipCallTo, attributes: { ...m.participantAttributes, "sip.callStatus": "dialing", "sip.trunkID": m.sipTrunkId } });
      calls.set(m.roomName, call);
      const info = new SIPParticipantInfo({ participantId: `PA_${crypto.randomUUID().slice(0, 12)}`, participantIdentity: m.participantIdentity, roomName: m.roomName, sipCallId: `SCL_${crypto.randomUUID().slice(0, 12)}` });
      return HttpResponse.json(info.toJson());
    }),
    http.post(`${base}/twirp/livekit.RoomService/DeleteRoom`, async ({ request }) => {
      const parsed = await read(request, (j) => DeleteRoomRequest.fromJson(j));
      if (parsed instanceof Response) return parsed;
      const denied = await authorize(request, (g) => g.video?.roomCreate === true, parsed.json);
      if (denied) return denied;
      if (!calls.delete(parsed.message.room)) return twirpError(404, "not_found", "room not found");
      deletedRooms.push(parsed.message.room);
      return HttpResponse.json({});
    }),
    http.post(`${base}/twirp/livekit.RoomService/GetParticipant`, async ({ request }) => {
      const parsed = await read(request, (j) => RoomParticipantIdentity.fromJson(j));
      if (parsed instanceof Response) return parsed;
      const denied = await authorize(request, (g) => g.video?.roomAdmin === true && g.video?.room === parsed.message.room, parsed.json);
      if (denied) return denied;
      const call = calls.get(parsed.message.room);
      if (!call || call.identity !== parsed.message.identity) return twirpError(404, "not_found", "participant not found");
      return HttpResponse.json(sipParticipant(call).toJson());
    }),
  ];

  function sipParticipant(call: FakeSipCall, extra: Partial<ParticipantInfo> = {}) {
    return new ParticipantInfo({
      sid: `PA_${call.identity}`,
      identity: call.identity,
      name: "Patient",
      kind: ParticipantInfo_Kind.SIP,
      state: ParticipantInfo_State.ACTIVE,
      attributes: call.attributes,
      ...extra,
    });
  }

  /** A webhook body exactly as a LiveKit server serializes it (proto3 JSON of livekit.WebhookEvent). */
  function webhook(event: string, room: string, participant?: ParticipantInfo, track?: TrackInfo) {
    return new WebhookEvent({
      event,
      room: new Room({ sid: `RM_${room.slice(-8)}`, name: room }),
      participant,
      track,
      id: `EV_${crypto.randomUUID().slice(0, 12)}`,
      createdAt: BigInt(Math.floor(Date.now() / 1000)),
    }).toJsonString();
  }

  /** The server's signature: an access token whose sha256 claim is the body's hash. */
  async function sign(body: string, opts: { key?: string; secret?: string; ttl?: string | number } = {}) {
    const token = new AccessToken(opts.key ?? apiKey, opts.secret ?? apiSecret, opts.ttl === undefined ? {} : { ttl: opts.ttl });
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
    token.sha256 = btoa(String.fromCharCode(...digest));
    return token.toJwt();
  }

  return {
    handlers,
    calls,
    requests,
    deletedRooms,
    receiver: new WebhookReceiver(apiKey, apiSecret),
    failNextSip(respond: () => Response) {
      nextSip = respond;
    },
    roomFor: (callId: string) => `outbound-${callId}`,
    sipParticipant,
    webhook,
    sign,
    async send(url: string, body: string, opts: { key?: string; secret?: string; ttl?: string | number; tamper?: (b: string) => string } = {}) {
      const token = await sign(body, opts);
      return postWebhook(url, opts.tamper ? opts.tamper(body) : body, { "content-type": "application/webhook+json", authorization: token });
    },
    /** Events for the phone leg of a call, as the server emits them. */
    events: {
      joined: (call: FakeSipCall) => webhook("participant_joined", call.room, sipParticipant(call, { state: ParticipantInfo_State.JOINED })),
      answered: (call: FakeSipCall) => {
        call.attributes["sip.callStatus"] = "active";
        return webhook("track_published", call.room, sipParticipant(call), new TrackInfo({ sid: "TR_audio", type: TrackType.AUDIO, source: 2 }));
      },
      left: (call: FakeSipCall, reason: DisconnectReason) => {
        call.attributes["sip.callStatus"] = "hangup";
        return webhook("participant_left", call.room, sipParticipant(call, { state: ParticipantInfo_State.DISCONNECTED, disconnectReason: reason }));
      },
      agentLeft: (call: FakeSipCall, report: Record<string, unknown>) =>
        webhook("participant_left", call.room, new ParticipantInfo({ identity: "agent-AJ_1", kind: ParticipantInfo_Kind.AGENT, metadata: JSON.stringify(report), disconnectReason: DisconnectReason.CLIENT_INITIATED })),
      finished: (call: FakeSipCall) => webhook("room_finished", call.room),
    },
  };
}
