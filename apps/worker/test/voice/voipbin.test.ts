import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { reconcileQuietCalls } from "../../src/calls/reconcile";
import { fakeVoipbin, voipbinAt } from "../fakes/voipbin";
import { placeOnVendor } from "../helpers/vendors";
import { getCall, hangup } from "../helpers/calls";
import { server } from "../network";
import { postWebhook } from "../helpers/http";

const ACCESS_KEY = "vb_2b8e4f6a0c1d3e5f7a9b";
const SECRET = "Xk93mQp2Lr7sVt1wYz5bNc8dFg4hJj6k";
const AI = "eb1ac5c0-ff63-47e2-bcdb-5da9c336eb4b";
const voipbin = fakeVoipbin(ACCESS_KEY, SECRET, { post: postWebhook });
beforeEach(() => server.use(...voipbin.handlers));

async function voipbinCall(agent = AI, extra: Record<string, unknown> = {}) {
  const placed = await placeOnVendor("voipbin", agent, { apiKey: ACCESS_KEY, apiSecret: SECRET, fromNumber: "+15555550123" }, extra);
  return { ...placed, vendorCall: voipbin.callTo(placed.patient.phone_number) };
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
    expect(await getCall(key, callId)).toMatchObject({ status: "failed", outcome: "no_answer" });
    expect(voipbin.requests.some((r) => r.method === "GET" && r.url === `https://api.voipbin.net/v1.0/calls/${vendorCall.id}?accesskey=${ACCESS_KEY}`)).toBe(true);
  });
});
