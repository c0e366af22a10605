import { env } from "cloudflare:workers";
import { createProvider, VOIPBIN_AICALL_EVENTS, VOIPBIN_CALL_STATUSES, VOIPBIN_HANGUP_REASONS } from "@switchboard/providers";
import { beforeEach, describe, expect, it } from "vitest";
import { reconcileQuietCalls } from "../../src/calls/reconcile";
import { fakeVoipbin, voipbinAt } from "../fakes/voipbin";
import { vendorSetup } from "../helpers/vendors";
import { getCall, getEvents, hangup, placeCall, statusWalk } from "../helpers/calls";
import { waitForCall } from "../helpers/wait";
import { server } from "../network";
import { postWebhook } from "../helpers/http";

const ACCESS_KEY = "vb_2b8e4f6a0c1d3e5f7a9b";
const SECRET = "Xk93mQp2Lr7sVt1wYz5bNc8dFg4hJj6k";
const AI = "eb1ac5c0-ff63-47e2-bcdb-5da9c336eb4b";
const voipbin = fakeVoipbin(ACCESS_KEY, SECRET, { post: postWebhook });
beforeEach(() => server.use(...voipbin.handlers));

async function voipbinCall(agent = AI, extra: Record<string, unknown> = {}) {
  const setup = await vendorSetup([{ provider: "voipbin", agent }], { voipbin: { apiKey: ACCESS_KEY, apiSecret: SECRET, fromNumber: "+15555550123" } });
  const callId = await placeCall(setup.key, setup.patient.patient_id, setup.agent.id, extra);
  return { ...setup, callId, url: setup.webhooks.voipbin!, vendorCall: voipbin.callTo(setup.patient.phone_number) };
}

describe("voipbin", () => {
  it("creates the call with an ai_talk action, the access key in the query", async () => {
    const { patient, callId } = await voipbinCall(AI, { reason: "follow-up" });
    const create = voipbin.requests.find((r) => r.method === "POST" && r.body?.destinations?.[0]?.target === patient.phone_number)!;
    expect(create.url).toBe(`https://api.voipbin.net/v1.0/calls?accesskey=${ACCESS_KEY}`);
    expect(create.headers["content-type"]).toBe("application/json");
    expect(create.body).toEqual({
      source: { type: "tel", target: "+15555550123" },
      destinations: [{ type: "tel", target: patient.phone_number }],
      actions: [{ type: "ai_talk", option: { assistance_type: "ai", assistance_id: AI, duration: 600 } }],
      variables: { reason: "follow-up", switchboard_call_id: callId },
    });
  });

  it("runs an existing flow when the agent names one", async () => {
    const { patient } = await voipbinCall("flow:4553c074-c88d-49e5-9d47-5c01598ac099");
    const create = voipbin.requests.find((r) => r.method === "POST" && r.body?.destinations?.[0]?.target === patient.phone_number)!;
    expect(create.body.flow_id).toBe("4553c074-c88d-49e5-9d47-5c01598ac099");
    expect(create.body.actions).toBeUndefined();
  });

  it("reaches completed from signed call_* and aicall_* webhooks", async () => {
    const { key, callId, url, vendorCall } = await voipbinCall();
    await voipbin.send(url, "call_ringing", voipbinAt(vendorCall, "ringing"));
    expect((await getCall(key, callId)).status).toBe("dialing");
    await voipbin.send(url, "call_progressing", voipbinAt(vendorCall, "progressing"));
    await voipbin.send(url, "aicall_status_progressing", voipbin.aicall(vendorCall, "progressing"));
    expect(await getCall(key, callId)).toMatchObject({ status: "in-progress", outcome: "human" });
    await voipbin.send(url, "aicall_status_terminated", voipbin.aicall(vendorCall, "terminated"));
    expect((await getCall(key, callId)).status).toBe("summarizing");
    await voipbin.send(url, "call_hangup", voipbinAt(vendorCall, "hangup", { reason: "normal", by: "remote" }));
    expect(await getCall(key, callId)).toMatchObject({
      status: "completed",
      outcome: "human",
      final_report: { outcome: "human", hangup_reason: "normal", hangup_by: "remote", recording_ids: ["7f2d1c3b-0000-4000-8000-000000000001"] },
    });
    expect(statusWalk(await getEvents(key, callId))).toEqual(["queued", "initiating", "dialing", "in-progress", "summarizing", "completed"]);
  });

  it("ignores duplicates and a late ringing after the answer", async () => {
    const { key, callId, url, vendorCall } = await voipbinCall();
    const ringing = structuredClone(voipbinAt(vendorCall, "ringing"));
    await voipbin.send(url, "call_progressing", voipbinAt(vendorCall, "progressing"));
    expect((await voipbin.send(url, "call_ringing", ringing)).body).toMatchObject({ applied: 0, unchanged: 1 });
    expect((await voipbin.send(url, "call_progressing", vendorCall)).body).toMatchObject({ applied: 0, unchanged: 1 });
    expect((await getCall(key, callId)).status).toBe("in-progress");
  });

  it("fails a busy line", async () => {
    const { key, callId, url, vendorCall } = await voipbinCall();
    await voipbin.send(url, "call_hangup", voipbinAt(vendorCall, "hangup", { reason: "busy" }));
    expect(await getCall(key, callId)).toMatchObject({ status: "failed", outcome: "busy" });
  });

  it("refuses tampered, wrongly keyed or unsigned webhooks with 401", async () => {
    const { key, callId, url, vendorCall } = await voipbinCall();
    const progressing = voipbinAt(structuredClone(vendorCall), "progressing");
    const results = await Promise.all([
      voipbin.send(url, "call_progressing", progressing, { tamper: (b) => b.replace("progressing", "hangup") }),
      voipbin.send(url, "call_progressing", progressing, { secret: "not-the-customer-secret" }),
      voipbin.send(url, "call_progressing", progressing, { signature: null }),
      voipbin.send(url, "call_progressing", progressing, { signature: "sha256=deadbeef" }),
      voipbin.send(url, "call_progressing", progressing, { signature: (await voipbin.sign(voipbin.body("call_progressing", progressing))).replace("sha256=", "") }),
    ]);
    expect(results.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect((await getCall(key, callId)).status).toBe("initiating");
  });

  it("hangs up through POST /calls/{id}/hangup", async () => {
    const { key, callId, vendorCall } = await voipbinCall();
    expect((await hangup(key, callId)).status).toBe(200);
    const request = voipbin.requests.find((r) => r.url.includes("/hangup"))!;
    expect(request).toMatchObject({ method: "POST", url: `https://api.voipbin.net/v1.0/calls/${vendorCall.id}/hangup?accesskey=${ACCESS_KEY}` });
  });

  it("reconciles from GET /calls/{id}", async () => {
    const { key, callId, vendorCall } = await voipbinCall();
    voipbinAt(vendorCall, "hangup", { reason: "noanswer" });
    await reconcileQuietCalls(env, Date.now() + 3 * 60_000);
    expect(await waitForCall(key, callId, (c) => c.status === "failed")).toMatchObject({ outcome: "no_answer" });
    expect(voipbin.requests.some((r) => r.method === "GET" && r.url === `https://api.voipbin.net/v1.0/calls/${vendorCall.id}?accesskey=${ACCESS_KEY}`)).toBe(true);
  });

  describe("status map", () => {
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
});
