import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { reconcileQuietCalls } from "../../src/calls/reconcile";
import { fakeVocode, vocodeEnded, vocodePickedUp } from "../fakes/vocode";
import { postWebhook } from "../helpers/http";
import { placeOnVendor } from "../helpers/vendors";
import { getCall, hangup } from "../helpers/calls";
import { server } from "../network";

const KEY = "vocode_live_9d8c7b6a5f4e3d2c1b0a";
const AGENT = "6f1d2c3b-4a59-4e8f-9a0b-1c2d3e4f5a6b";
const vocode = fakeVocode(KEY, { post: postWebhook });
beforeEach(() => server.use(...vocode.handlers));

async function vocodeCall(extra: Record<string, unknown> = {}) {
  const placed = await placeOnVendor("vocode", AGENT, { apiKey: KEY, fromNumber: "+15555550199", options: { onNoHumanAnswer: "hangup", hipaaCompliant: true } }, extra);
  return { ...placed, vendorCall: vocode.callTo(placed.patient.phone_number) };
}

describe("vocode", () => {
  it("creates the call as the reference documents", async () => {
    const { patient, vendorCall, key, callId } = await vocodeCall({ reason: "billing" });
    const create = vocode.requests.find((r) => r.url.endsWith("/v1/calls/create") && r.body.to_number === patient.phone_number)!;
    expect(create.url).toBe("https://api.vocode.dev/v1/calls/create");
    expect(create.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(create.headers["content-type"]).toBe("application/json");
    expect(create.body).toEqual({
      from_number: "+15555550199",
      to_number: patient.phone_number,
      agent: AGENT,
      context: { reason: "billing" },
      on_no_human_answer: "hangup",
      hipaa_compliant: true,
    });
    const row = await env.DB.prepare("SELECT provider_call_id FROM calls WHERE id = ?").bind(callId).first<any>();
    expect(row.provider_call_id).toBe(vendorCall.id);
    expect((await getCall(key, callId)).status).toBe("initiating");
  });

  it("hangs up through /v1/calls/end", async () => {
    const { key, callId, vendorCall } = await vocodeCall();
    expect((await hangup(key, callId)).status).toBe(200);
    const end = vocode.requests.find((r) => r.url.includes("/v1/calls/end"))!;
    expect(end).toMatchObject({ method: "POST", url: `https://api.vocode.dev/v1/calls/end?id=${vendorCall.id}` });
    expect(end.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("reconciles a call whose webhooks never came", async () => {
    const { key, callId, vendorCall } = await vocodeCall();
    vocodeEnded(vocodePickedUp(vendorCall), "transfer_disconnected");
    await reconcileQuietCalls(env, Date.now() + 3 * 60_000);
    expect(await getCall(key, callId)).toMatchObject({ status: "completed", outcome: "transferred" });
  });
});
