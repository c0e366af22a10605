import { beforeEach, describe, expect, it } from "vitest";
import { fakeVoipbin, voipbinAt } from "../../fakes/voipbin";
import { placeOnVendor } from "../../helpers/vendors";
import { getCall, getEvents, hangup, statusWalk } from "../../helpers/calls";
import { server } from "../../network";
import { postWebhook } from "../../helpers/http";

const ACCESS_KEY = "vb_2b8e4f6a0c1d3e5f7a9b";
const SECRET = "Xk93mQp2Lr7sVt1wYz5bNc8dFg4hJj6k";
const AI = "eb1ac5c0-ff63-47e2-bcdb-5da9c336eb4b";
const voipbin = fakeVoipbin(ACCESS_KEY, SECRET, { post: postWebhook });
beforeEach(() => server.use(...voipbin.handlers));

async function voipbinCall(agent = AI, extra: Record<string, unknown> = {}) {
  const placed = await placeOnVendor("voipbin", agent, { apiKey: ACCESS_KEY, apiSecret: SECRET, fromNumber: "+15555550123" }, extra);
  return { ...placed, vendorCall: voipbin.callTo(placed.patient.phone_number) };
}

describe("voipbin: webhooks", () => {
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
});
