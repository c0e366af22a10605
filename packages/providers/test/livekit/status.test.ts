import { DisconnectReason } from "@livekit/protocol";
import { describe, expect, it } from "vitest";
import { createProvider, LIVEKIT_DISCONNECT_REASONS, LIVEKIT_SIP_CALL_STATUSES } from "../../src/index";

const API_KEY = "APIq7Hk2mNwXyZ";
const API_SECRET = "s3cr3tL1v3K1tS3cr3tF0rT3st1ngOnly42";
const BASE = "https://switchboard-test.livekit.cloud";

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
