import { describe, expect, it } from "vitest";
import { api, json } from "../helpers/http";
import { setup } from "../helpers/tenants";
import { getCall, placeCall } from "../helpers/calls";
import { playCall } from "../helpers/objects";

describe("smoke", () => {
  it("places a call that completes with a final report", async () => {
    const { key, patient, agent } = await setup({ simulator: { durationMs: 200 } });
    const callId = await placeCall(key, patient.patient_id, agent.id);
    await playCall(callId, "completed");
    const call = await getCall(key, callId);
    expect(call.final_report).toMatchObject({ outcome: "human", patient_confirmed: true });
    const res = await api("/", {});
    expect((await json(res)).docs).toBe("/docs");
  });
});
