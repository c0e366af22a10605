import { DisconnectReason } from "@livekit/protocol";
import { postWebhook } from "../helpers/http";
import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeLiveKit } from "../fakes/livekit";
import { fakeRetell, retellEnded, retellStarted } from "../fakes/retell";
import { historyOf } from "../helpers/calls";
import { tickDispatcher } from "../helpers/objects";
import { waitingEntry } from "../helpers/objects";
import { callStub } from "../helpers/objects";
import { getCall, placeCall } from "../helpers/calls";
import { poll } from "../helpers/wait";
import { server } from "../network";
import { vendorSetup } from "../helpers/vendors";
import { callRow } from "../helpers/calls";
import { recordConsent } from "../helpers/policy";

const RETELL_KEY = "key_attempts0123456789abcdef01234567";
const retell = fakeRetell(RETELL_KEY, { post: postWebhook });
const LK = { apiKey: "APIattempts01", apiSecret: "attempts-secret-0123456789abcdef0123456789" };
const LK_BASE = "https://attempts-test.livekit.cloud";
const livekit = fakeLiveKit(LK.apiKey, LK.apiSecret, LK_BASE, { post: postWebhook });
beforeEach(() => server.use(...retell.handlers, ...livekit.handlers));

const retry = { maxAttempts: 2, spacingMinutes: 1, on: ["no_answer", "busy", "voicemail"] };

/**
 * A billing call, with the patient's consent on file: retried within the hour. (A health-care
 * message, the default purpose, may reach a patient once a day: its retry would wait for tomorrow.)
 */
async function placeRetriedCall(key: string, patientId: string, agentId: string) {
  await recordConsent(key, patientId);
  return placeCall(key, patientId, agentId, { purpose: "billing" });
}

async function nextAttemptAt(callId: string): Promise<number> {
  const scheduled = (await historyOf(callId)).filter((e) => e.type === "retry.scheduled").at(-1)!;
  return Date.parse(String(scheduled.detail!.nextAttemptAt));
}

describe("late news of an earlier attempt never ends the next one", () => {
  it("LiveKit: each attempt has its own room; the first room's late end does not touch the second attempt", async () => {
    const s = await vendorSetup([{ provider: "livekit", agent: "reminder-agent" }], {
      livekit: { ...LK, baseUrl: LK_BASE, options: { sipTrunkId: "ST_attempts" } },
    });
    await env.DB.prepare("UPDATE agents SET settings = json_set(settings, '$.retry', json(?)) WHERE id = ?").bind(JSON.stringify(retry), s.agent.id).run();
    const callId = await placeRetriedCall(s.key, s.patient.patient_id, s.agent.id);
    const firstRoom = (await callRow(callId))!.provider_call_id as string;
    const firstCall = livekit.calls.get(firstRoom)!;
    const firstLeft = livekit.events.left(firstCall, DisconnectReason.USER_UNAVAILABLE);
    await livekit.send(s.webhooks.livekit!, firstLeft);
    await poll(() => getCall(s.key, callId), (c) => c.status === "awaiting-retry");
    await waitingEntry(s.tenant.id, callId, 2);
    await tickDispatcher(s.tenant.id, await nextAttemptAt(callId));
    await poll(() => callRow(callId), (r) => r!.status === "initiating");
    expect(livekit.requests.filter((r) => r.url.endsWith("/CreateSIPParticipant"))).toHaveLength(2);

    // The first room finishing late (or its leave replayed) is not news about the second attempt.
    await livekit.send(s.webhooks.livekit!, livekit.events.finished(firstCall));
    await livekit.send(s.webhooks.livekit!, firstLeft);
    expect(await callStub(callId).status()).toBe("initiating");
    expect((await callRow(callId))!.status).toBe("initiating");
  });

  it("Retell: while the next attempt has no vendor id yet, the earlier attempt's late webhooks change nothing", async () => {
    const s = await vendorSetup([{ provider: "retell", agent: "agent_abc" }], { retell: { apiKey: RETELL_KEY, fromNumber: "+14155550100" } });
    await env.DB.prepare("UPDATE agents SET settings = json_set(settings, '$.retry', json(?)) WHERE id = ?").bind(JSON.stringify(retry), s.agent.id).run();
    const callId = await placeRetriedCall(s.key, s.patient.patient_id, s.agent.id);
    const first = retell.callFor(callId);
    await retell.send(s.webhooks.retell!, "call_ended", retellEnded({ ...first }, "dial_no_answer"));
    await poll(() => getCall(s.key, callId), (c) => c.status === "awaiting-retry");
    await waitingEntry(s.tenant.id, callId, 2);

    // Retell is slow to answer the second create-phone-call.
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    server.use(
      http.post("https://api.retellai.com/v2/create-phone-call", async () => {
        await answered;
        return HttpResponse.json({ call_id: "call_second_attempt", call_status: "registered" }, { status: 201 });
      }, { once: true }),
    );
    const starting = tickDispatcher(s.tenant.id, await nextAttemptAt(callId));
    await poll(() => callStub(callId).status(), (st) => st === "initiating");
    // The first attempt's call, reported late and out of order: picked up, then hung up.
    const late = await retell.send(s.webhooks.retell!, "call_started", retellStarted({ ...first }));
    expect(late.body).toMatchObject({ applied: 0 });
    await retell.send(s.webhooks.retell!, "call_ended", retellEnded({ ...first }, "user_hangup"));
    expect(await callStub(callId).status()).toBe("initiating");
    answer();
    await starting;
    expect(await callRow(callId)).toMatchObject({ status: "initiating", provider_call_id: "call_second_attempt" });
  });
});
