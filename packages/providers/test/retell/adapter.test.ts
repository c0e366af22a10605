import Retell from "retell-sdk";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeRetell, retellAnalyzed, retellEnded, retellStarted } from "../../../../apps/worker/test/fakes/retell";
import { createProvider, ProviderError } from "../../src/index";
import { server } from "../network";
import { placeRequest } from "../request";

const KEY = "key_adapter0a1b2c3d4e5f60718293a4b5c6";
const adapter = createProvider("retell", { credentials: { apiKey: KEY, fromNumber: "+14155550100", options: {} } });
let retell: ReturnType<typeof fakeRetell>;
beforeEach(() => {
  retell = fakeRetell(KEY);
  server.use(...retell.handlers);
});

describe("retell adapter: calls", () => {
  it("creates the phone call with the key, the numbers, the agent and the call's variables", async () => {
    const request = placeRequest({ remoteAgent: "agent_abc" });
    const placed = await adapter.placeCall(request);
    expect(retell.requests).toHaveLength(1);
    const [created] = retell.requests;
    expect(created).toMatchObject({ method: "POST", url: "https://api.retellai.com/v2/create-phone-call" });
    expect(created!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(created!.body).toEqual({
      from_number: "+14155550100",
      to_number: "+15555550142",
      override_agent_id: "agent_abc",
      metadata: { switchboard_call_id: request.callId, switchboard_attempt: 1, switchboard_agent_id: "agt_1" },
      retell_llm_dynamic_variables: { appointment_name: "Check-up", reason: "appointment reminder" },
    });
    expect(placed).toEqual({ providerCallId: retell.callFor(request.callId).call_id });
  });

  it("turns a refusal into a ProviderError: 5xx may go to another vendor, a bad number may not", async () => {
    retell.failNextCreate(() => Response.json({ error_message: "internal" }, { status: 503 }));
    const failing = await adapter.placeCall(placeRequest()).catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(ProviderError);
    expect(failing).toMatchObject({ retryable: true, status: 503 });
    retell.failNextCreate(() => Response.json({ error_message: "to_number is not a valid phone number" }, { status: 400 }));
    const refused = await adapter.placeCall(placeRequest()).catch((e: unknown) => e);
    expect(refused).toMatchObject({ retryable: false, status: 400, outcome: "invalid_number" });
  });

  it("hangs up with stop-call", async () => {
    const { providerCallId } = await adapter.placeCall(placeRequest());
    await adapter.hangup(providerCallId);
    expect(retell.requests.at(-1)).toMatchObject({ method: "POST", url: `https://api.retellai.com/v2/stop-call/${providerCallId}` });
    expect(retell.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("reads a call with get-call: an analyzed call is completed with its analysis; an unknown one is null", async () => {
    const request = placeRequest();
    const { providerCallId } = await adapter.placeCall(request);
    expect(await adapter.getCall!(providerCallId)).toEqual({ status: "dialing" });
    retellAnalyzed(retellEnded(retellStarted(retell.callFor(request.callId))));
    expect(await adapter.getCall!(providerCallId)).toMatchObject({
      status: "completed",
      outcome: "human",
      finalReport: { outcome: "human", call_summary: "The patient confirmed the appointment." },
    });
    expect(retell.requests.at(-1)).toMatchObject({ method: "GET", url: `https://api.retellai.com/v2/get-call/${providerCallId}` });
    expect(await adapter.getCall!("call_unknown")).toBeNull();
  });
});

describe("retell adapter: webhook signatures", () => {
  const body = JSON.stringify({ event: "call_started", call: { call_id: "call_1", call_status: "ongoing" } });
  const verify = (raw: string, signature: string) => adapter.verifyWebhook!({ body: raw, headers: new Headers({ "x-retell-signature": signature }) });

  it("accepts what Retell's SDK signs with the account's key", async () => {
    expect(await verify(body, await Retell.sign(body, KEY))).toBe(true);
  });

  it("refuses another key, a changed body, and no signature", async () => {
    expect(await verify(body, await Retell.sign(body, "key_someone_else_entirely_0000"))).toBe(false);
    expect(await verify(body.replace("ongoing", "ended"), await Retell.sign(body, KEY))).toBe(false);
    expect(await adapter.verifyWebhook!({ body, headers: new Headers() })).toBe(false);
  });
});
