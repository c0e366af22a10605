import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { dialsOf, faultReport } from "../../src/lib/faults";
import { fakeRetell } from "../fakes/retell";
import { historyOf } from "../helpers/calls";
import { inspect } from "../helpers/objects";
import { callStub } from "../helpers/objects";
import { createCalls, placeCall } from "../helpers/calls";
import { json, postWebhook } from "../helpers/http";
import { poll } from "../helpers/wait";
import { setup } from "../helpers/tenants";
import { server } from "../network";
import { vendorSetup } from "../helpers/vendors";
import { alarmOf, d1, faults, runAlarmsUntil } from "./helpers";
import { callRow } from "../helpers/calls";

const KEY = "key_placementfaults0123456789abcdef";
const retell = fakeRetell(KEY, { post: postWebhook });
beforeEach(() => server.use(...retell.handlers));

/** The documented bound: a call whose placement went wrong is settled, and its line back, within this. */
const SETTLED_WITHIN_MS = 5 * 60_000;

const settled = (callId: string) => async () => ["failed", "completed", "canceled"].includes((await callRow(callId))!.status);

async function retellSetup() {
  return vendorSetup([{ provider: "retell", agent: "agent_abc" }], { retell: { apiKey: KEY, fromNumber: "+14155550100" } });
}

describe("a call whose placement goes wrong never holds a line for ever", () => {
  const rules = faults();

  it("credentials that no longer open: the attempt ends failed, with the reason, and the line comes back", async () => {
    const s = await retellSetup();
    await env.DB.prepare("UPDATE provider_credentials SET api_key_sealed = 'not sealed by us' WHERE tenant_id = ?").bind(s.tenant.id).run();
    const started = Date.now();
    const callId = await placeCall(s.key, s.patient.patient_id, s.agent.id);

    const alarms = await runAlarmsUntil(callId, settled(callId));
    expect(Math.max(...alarms) - started).toBeLessThanOrEqual(SETTLED_WITHIN_MS);
    expect(await callRow(callId)).toMatchObject({ status: "failed", outcome: "provider_error" });
    const failed = (await historyOf(callId)).at(-1)!;
    expect(failed).toMatchObject({ type: "placement.failed", to_status: "failed" });
    expect(retell.requests).toHaveLength(0);
    expect((await poll(() => inspect(s.tenant.id), (d) => d.live.length === 0)).live).toEqual([]);
  });

  it("a D1 error while planning: the placement is tried again on the alarm and dials once", async () => {
    const s = await retellSetup();
    rules.set(d1('"api_key_sealed"'));
    const callId = await placeCall(s.key, s.patient.patient_id, s.agent.id);
    expect(faultReport().rules[0]!.fired).toBe(1);
    await runAlarmsUntil(callId, async () => (await callRow(callId))!.provider_call_id !== null);
    expect(await callRow(callId)).toMatchObject({ status: "initiating", provider: "retell" });
    expect(retell.requests.filter((r) => r.body?.metadata?.switchboard_call_id === callId)).toHaveLength(1);
    expect((await inspect(s.tenant.id)).live.map((e) => e.call_id)).toEqual([callId]);
  });

  it("the call object restarts while the vendor is dialing: the attempt is settled, never dialed again, and the line comes back", async () => {
    const { tenant, key, patient, agent } = await setup();
    rules.set({ site: "simulator", effect: "stall", ms: 1_000, times: 1 });
    const creating = createCalls(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id });
    const dial = await poll(async () => Object.keys(faultReport().dials), (d) => d.length === 1);
    const callId = dial[0]!.split("#")[0]!;
    // A deploy or an eviction resets the object while the vendor has not answered.
    await runInDurableObject(callStub(callId), (_instance, state) => state.abort("restart mid-placement")).catch(() => undefined);
    const created = await json(await creating);
    expect(created.calls[0].callId).toBe(callId);

    // The alarm armed before the dial is still there; the object re-arms it at once on load.
    expect(await alarmOf(callId)).not.toBeNull();
    await runDurableObjectAlarm(callStub(callId));
    await runAlarmsUntil(callId, settled(callId));
    expect(await callRow(callId)).toMatchObject({ status: "failed", outcome: "provider_error" });
    expect((await historyOf(callId)).find((e) => e.type === "placement.unknown")).toBeDefined();
    // The dispatcher asks again (start is idempotent per attempt): the patient is not dialed twice.
    expect(await callStub(callId).start(callId, 1)).toBe("failed");
    expect(dialsOf(callId, 1)).toBe(1);
    expect((await poll(() => inspect(tenant.id), (d) => d.live.length === 0)).live).toEqual([]);
  });

  it("the call object restarts after the vendor accepted the call but before that was recorded", async () => {
    const { tenant, key, patient, agent } = await setup();
    rules.set({ site: "call.restart.placing", effect: "restart", times: 1 });
    const res = await createCalls(key, { patients: [{ patientId: patient.patient_id }], agentId: agent.id });
    expect(res.status).toBe(201);
    const callId = (await json(res)).calls[0].callId;
    await runAlarmsUntil(callId, settled(callId));
    expect(await callRow(callId)).toMatchObject({ status: "failed", outcome: "provider_error" });
    expect(dialsOf(callId, 1)).toBe(1);
    expect((await poll(() => inspect(tenant.id), (d) => d.live.length === 0)).live).toEqual([]);
  });
});
