import { beforeEach, describe, expect, it } from "vitest";
import { fakeVocode, vocodeEnded, vocodePickedUp } from "../../../../apps/worker/test/fakes/vocode";
import { createProvider, ProviderError } from "../../src/index";
import { server } from "../network";
import { placeRequest } from "../request";

const KEY = "vocode_adapter_9d8c7b6a5f4e3d2c1b0a";
const AGENT = "6f1d2c3b-4a59-4e8f-9a0b-1c2d3e4f5a6b";
const adapter = createProvider("vocode", { credentials: { apiKey: KEY, fromNumber: "+15555550199", options: { onNoHumanAnswer: "hangup", hipaaCompliant: true } } });
let vocode: ReturnType<typeof fakeVocode>;
beforeEach(() => {
  vocode = fakeVocode(KEY);
  server.use(...vocode.handlers);
});

describe("vocode adapter", () => {
  it("creates the call with the key, the numbers, the agent, the context and the account's options", async () => {
    const placed = await adapter.placeCall(placeRequest({ remoteAgent: AGENT }));
    const [create] = vocode.requests;
    expect(create).toMatchObject({ method: "POST", url: "https://api.vocode.dev/v1/calls/create" });
    expect(create!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(create!.body).toEqual({
      from_number: "+15555550199",
      to_number: "+15555550142",
      agent: AGENT,
      context: { appointment_name: "Check-up", reason: "appointment reminder" },
      on_no_human_answer: "hangup",
      hipaa_compliant: true,
    });
    expect(placed).toEqual({ providerCallId: vocode.callTo("+15555550142").id });
  });

  it("refuses a call with no Vocode agent to run it, before asking Vocode", async () => {
    await expect(adapter.placeCall(placeRequest())).rejects.toBeInstanceOf(ProviderError);
    expect(vocode.requests).toEqual([]);
  });

  it("hangs up with /v1/calls/end and reads a call with GET /v1/calls", async () => {
    const { providerCallId } = await adapter.placeCall(placeRequest({ remoteAgent: AGENT }));
    const call = vocode.callTo("+15555550142");
    vocodePickedUp(call);
    expect(await adapter.getCall!(providerCallId)).toMatchObject({ status: "in-progress", outcome: "human" });
    expect(vocode.requests.at(-1)).toMatchObject({ method: "GET", url: `https://api.vocode.dev/v1/calls?id=${providerCallId}` });
    await adapter.hangup(providerCallId);
    expect(vocode.requests.at(-1)).toMatchObject({ method: "POST", url: `https://api.vocode.dev/v1/calls/end?id=${providerCallId}` });
    vocodeEnded(call);
    expect(await adapter.getCall!(providerCallId)).toMatchObject({ status: "completed", outcome: "human" });
  });
});
