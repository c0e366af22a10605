import { beforeEach, describe, expect, it } from "vitest";
import { fakeVoipbin, voipbinAt } from "../../../../apps/worker/test/fakes/voipbin";
import { createProvider } from "../../src/index";
import { server } from "../network";
import { placeRequest } from "../request";

const ACCESS_KEY = "vb_adapter_2b8e4f6a0c1d";
const SECRET = "Xk93mQp2Lr7sVt1wYz5bNc8dFg4hJj6k";
const AI = "eb1ac5c0-ff63-47e2-bcdb-5da9c336eb4b";
const adapter = createProvider("voipbin", { credentials: { apiKey: ACCESS_KEY, apiSecret: SECRET, fromNumber: "+15555550123", options: {} } });
let voipbin: ReturnType<typeof fakeVoipbin>;
beforeEach(() => {
  voipbin = fakeVoipbin(ACCESS_KEY, SECRET);
  server.use(...voipbin.handlers);
});

describe("voipbin adapter: calls", () => {
  it("creates the call with an ai_talk action, the access key in the query", async () => {
    // The talk lasts as long as the agent lets a call last.
    const request = placeRequest({ remoteAgent: AI, agent: { id: "agt_1", name: "Reminder", settings: { maxDurationSeconds: 600 } } });
    const placed = await adapter.placeCall(request);
    const [create] = voipbin.requests;
    expect(create).toMatchObject({ method: "POST", url: `https://api.voipbin.net/v1.0/calls?accesskey=${ACCESS_KEY}` });
    expect(create!.body).toEqual({
      source: { type: "tel", target: "+15555550123" },
      destinations: [{ type: "tel", target: "+15555550142" }],
      actions: [{ type: "ai_talk", option: { assistance_type: "ai", assistance_id: AI, duration: 600 } }],
      variables: { appointment_name: "Check-up", reason: "appointment reminder", switchboard_call_id: request.callId },
    });
    expect(placed).toEqual({ providerCallId: voipbin.callTo("+15555550142").id });
  });

  it("hangs up with POST /calls/{id}/hangup and reads a call with GET /calls/{id}", async () => {
    const { providerCallId } = await adapter.placeCall(placeRequest({ remoteAgent: AI }));
    await adapter.hangup(providerCallId);
    expect(voipbin.requests.at(-1)).toMatchObject({ method: "POST", url: `https://api.voipbin.net/v1.0/calls/${providerCallId}/hangup?accesskey=${ACCESS_KEY}` });
    voipbinAt(voipbin.callTo("+15555550142"), "hangup", { reason: "busy" });
    expect(await adapter.getCall!(providerCallId)).toMatchObject({ status: "failed", outcome: "busy" });
    expect(voipbin.requests.at(-1)).toMatchObject({ method: "GET", url: `https://api.voipbin.net/v1.0/calls/${providerCallId}?accesskey=${ACCESS_KEY}` });
  });
});

describe("voipbin adapter: webhook signatures", () => {
  const body = JSON.stringify({ type: "call_progressing", data: { id: "c1", status: "progressing" } });
  const verify = (raw: string, signature?: string) =>
    adapter.verifyWebhook!({ body: raw, headers: new Headers(signature === undefined ? {} : { "X-VoIPBIN-Signature": signature }) });

  it("accepts what VoIPbin's webhook manager signs with the customer's secret", async () => {
    expect(await verify(body, await voipbin.sign(body))).toBe(true);
  });

  it("refuses another secret, a changed body, a bare hex digest and no signature", async () => {
    const signature = await voipbin.sign(body);
    expect(await verify(body, await voipbin.sign(body, "not-the-customer-secret"))).toBe(false);
    expect(await verify(body.replace("progressing", "hangup"), signature)).toBe(false);
    expect(await verify(body, signature.replace("sha256=", ""))).toBe(false);
    expect(await verify(body)).toBe(false);
  });
});
