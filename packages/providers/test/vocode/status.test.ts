import { describe, expect, it } from "vitest";
import { createProvider, VOCODE_STAGE_OUTCOMES, VOCODE_STAGES, VOCODE_STATUSES } from "../../src/index";

const KEY = "vocode_live_9d8c7b6a5f4e3d2c1b0a";

describe("vocode: status map", () => {
  const adapter = createProvider("vocode", { credentials: { apiKey: KEY, options: {} } });
  const STAGES: Record<string, string> = {
    created: "dialing/undefined",
    picked_up: "in-progress/human",
    transfer_started: "in-progress/human",
    transfer_successful: "in-progress/transferred",
  };
  const OUTCOMES: Record<string, string> = {
    human_unanswered: "failed/no_answer",
    call_did_not_connect: "failed/no_answer",
    human_disconnected: "completed/human",
    bot_disconnected: "completed/human",
    transfer_unanswered: "completed/human",
    transfer_disconnected: "completed/transferred",
  };
  const read = (e: { status?: string; outcome?: string }) => `${e.status}/${e.outcome}`;

  it("tables cover the reference's enums", () => {
    expect(Object.keys(VOCODE_STAGES).sort()).toEqual(Object.keys(STAGES).sort());
    expect(Object.keys(VOCODE_STAGE_OUTCOMES).sort()).toEqual(Object.keys(OUTCOMES).sort());
    expect(Object.keys(VOCODE_STATUSES).sort()).toEqual(["error", "not_started"]);
  });
  it.each(Object.entries(STAGES))("in_progress, stage %s", (stage, expected) => expect(read(VOCODE_STAGES[stage]!)).toBe(expected));
  it.each(Object.entries(OUTCOMES))("ended, stage_outcome %s", (outcome, expected) => expect(read(VOCODE_STAGE_OUTCOMES[outcome]!)).toBe(expected));
  it("not_started moves nothing; error fails", () => {
    expect(VOCODE_STATUSES.not_started).toEqual({});
    expect(read(VOCODE_STATUSES.error!)).toBe("failed/provider_error");
  });
  it("webhooks only ask for a check", () => {
    expect(adapter.parseWebhook!(JSON.stringify({ type: "event_phone_call_ended", call: { id: "v1" } }))).toEqual([
      { type: "event_phone_call_ended", providerCallId: "v1", event: {}, confirm: true },
    ]);
  });
});
