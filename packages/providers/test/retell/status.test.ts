import { describe, expect, it } from "vitest";
import { createProvider, RETELL_CALL_STATUSES, RETELL_DISCONNECTION_REASONS } from "../../src/index";

const KEY = "key_3f9a1c2b7d4e5f60718293a4b5c6d7e8";

describe("retell: status map", () => {
  /** Expected here, independently of the adapter's table: [answered, outcome]. */
  const EXPECTED: Record<string, [boolean, string]> = {
    user_hangup: [true, "human"],
    agent_hangup: [true, "human"],
    inactivity: [true, "human"],
    max_duration_reached: [true, "human"],
    transfer_cancelled: [true, "human"],
    call_transfer: [true, "transferred"],
    transfer_bridged: [true, "transferred"],
    call_take_over: [true, "transferred"],
    voicemail_reached: [true, "voicemail"],
    ivr_reached: [true, "voicemail"],
    dial_no_answer: [false, "no_answer"],
    dial_busy: [false, "busy"],
    user_declined: [false, "busy"],
    invalid_destination: [false, "invalid_number"],
    manual_stopped: [false, "hung_up_by_api"],
    dial_failed: [false, "provider_error"],
    marked_as_spam: [false, "provider_error"],
    scam_detected: [false, "provider_error"],
    concurrency_limit_reached: [false, "provider_error"],
    no_concurrency_fallback: [false, "provider_error"],
    no_valid_payment: [false, "provider_error"],
    telephony_provider_permission_denied: [false, "provider_error"],
    telephony_provider_unavailable: [false, "provider_error"],
    sip_routing_error: [false, "provider_error"],
    registered_call_timeout: [false, "provider_error"],
    error_user_not_joined: [false, "provider_error"],
    error_no_audio_received: [false, "provider_error"],
    error_asr: [false, "provider_error"],
    error_llm_websocket_open: [false, "provider_error"],
    error_llm_websocket_lost_connection: [false, "provider_error"],
    error_llm_websocket_runtime: [false, "provider_error"],
    error_llm_websocket_corrupt_payload: [false, "provider_error"],
    error_retell: [false, "provider_error"],
    error_unknown: [false, "provider_error"],
  };
  const adapter = createProvider("retell", { credentials: { apiKey: KEY, options: {} } });
  const parse = (event: string, reason: string) =>
    adapter.parseWebhook!(JSON.stringify({ event, call: { call_id: "c1", disconnection_reason: reason, call_analysis: { call_summary: "s" } } }))[0]!.event;

  it("covers every disconnection reason in the table, and no other", () => {
    expect(Object.keys(RETELL_DISCONNECTION_REASONS).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))("%s", (reason, [answered, outcome]) => {
    expect(parse("call_ended", reason)).toMatchObject({ status: answered ? "summarizing" : "failed", outcome });
    expect(parse("call_analyzed", reason)).toMatchObject({ status: answered ? "completed" : "failed", outcome, finalReport: { outcome, call_summary: "s" } });
  });

  it("reads a reason Retell adds later by whether the call was answered", () => {
    expect(parse("call_ended", "some_new_reason")).toMatchObject({ status: "summarizing", outcome: "human", ifUnanswered: { status: "failed", outcome: "provider_error" } });
  });

  it.each([
    ["registered", { status: "dialing" }],
    ["ongoing", { status: "in-progress", outcome: "human" }],
    ["error", { status: "failed", outcome: "provider_error" }],
  ])("get-call status %s", (status, expected) => {
    expect(RETELL_CALL_STATUSES[status]).toEqual(expected);
  });

  it("call_started is an answer", () => {
    expect(adapter.parseWebhook!(JSON.stringify({ event: "call_started", call: { call_id: "c1" } }))[0]!.event).toEqual({ status: "in-progress", outcome: "human" });
  });
});
