import { describe, expect, it } from "vitest";
import { createProvider, VOIPBIN_AICALL_EVENTS, VOIPBIN_CALL_STATUSES, VOIPBIN_HANGUP_REASONS } from "../../src/index";

describe("voipbin: status map", () => {
  const read = (e: { status?: string; outcome?: string } | undefined) => (e ? `${e.status}/${e.outcome}` : "none");
  const STATUSES: Record<string, string> = {
    dialing: "dialing/undefined",
    ringing: "dialing/undefined",
    progressing: "in-progress/human",
    terminating: "undefined/undefined",
    canceling: "undefined/undefined",
  };
  const HANGUPS: Record<string, string> = {
    normal: "completed/human",
    timeout: "completed/human",
    amd: "completed/voicemail",
    busy: "failed/busy",
    noanswer: "failed/no_answer",
    dialout: "failed/no_answer",
    cancel: "failed/hung_up_by_api",
    failed: "failed/provider_error",
  };
  const AICALL: Record<string, string> = {
    aicall_status_initializing: "undefined/undefined",
    aicall_status_progressing: "in-progress/human",
    aicall_status_pausing: "undefined/undefined",
    aicall_status_resuming: "undefined/undefined",
    aicall_status_terminating: "summarizing/human",
    aicall_status_terminated: "summarizing/human",
  };
  it("tables cover the documented enums", () => {
    expect(Object.keys(VOIPBIN_CALL_STATUSES).sort()).toEqual(Object.keys(STATUSES).sort());
    expect(Object.keys(VOIPBIN_HANGUP_REASONS).sort()).toEqual(Object.keys(HANGUPS).sort());
    expect(Object.keys(VOIPBIN_AICALL_EVENTS).sort()).toEqual(Object.keys(AICALL).sort());
  });
  it.each(Object.entries(STATUSES))("call status %s", (s, expected) => expect(read(VOIPBIN_CALL_STATUSES[s])).toBe(expected));
  it.each(Object.entries(HANGUPS))("hangup_reason %s", (s, expected) => expect(read(VOIPBIN_HANGUP_REASONS[s])).toBe(expected));
  it.each(Object.entries(AICALL))("%s", (s, expected) => expect(read(VOIPBIN_AICALL_EVENTS[s])).toBe(expected));
  it("an unknown hangup reason fails as a provider error", () => {
    const adapter = createProvider("voipbin", { credentials: { apiKey: "k", apiSecret: "s", options: {} } });
    const [event] = adapter.parseWebhook!(JSON.stringify({ type: "call_hangup", data: { id: "c1", status: "hangup", hangup_reason: "solar_flare" } }));
    expect(read(event!.event)).toBe("failed/provider_error");
  });
});
