import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { optOut } from "../../src/consent/opt-outs";
import { Internal } from "../../src/internal";
import { createDb } from "../../src/lib/db";
import { SEND_LEASE_MS, SEND_MAX_ATTEMPTS } from "../../src/messages/deliver";
import { sendMessage, twilioSetup } from "../helpers/messaging";
import { fakeTwilioMessages, MESSAGES_URL, messageSid, twilioError } from "../fakes/twilio";
import { server } from "../network";

const MINUTE = 60_000;

/** What the cron runs every minute, at `now`. */
async function sweep(now: number) {
  const ctx = createExecutionContext();
  const report = await new Internal(ctx, env).resendMessages(now);
  await waitOnExecutionContext(ctx);
  return report;
}

async function messageRow(id: string) {
  return env.DB.prepare("SELECT status, error_message, provider_message_id FROM messages WHERE id = ?").bind(id).first<Record<string, string | null>>();
}

async function attemptsOf(id: string) {
  const { results } = await env.DB.prepare("SELECT attempt, trigger, outcome FROM message_send_attempts WHERE message_id = ? ORDER BY attempt").bind(id).all();
  return results;
}

/** Twilio answers each request with the next response in `responses`, then accepts. */
function twilioAnswering(responses: (() => Response)[]) {
  let i = 0;
  return fakeTwilioMessages(server, () => responses[i++]?.());
}

describe("resending patient texts", () => {
  it("delivers through the sweep after Twilio answered 503", async () => {
    const t = await twilioSetup();
    const sent = twilioAnswering([() => twilioError(503, 20500, "Service Unavailable")]);
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Your appointment is tomorrow" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "CREATED", errorMessage: expect.stringMatching(/HTTP 503.*retrying/), sendoMessageId: null });

    // not before its backoff
    expect((await sweep(Date.now())).due).toBe(0);
    expect(sent).toHaveLength(1);

    const report = await sweep(Date.now() + 2 * MINUTE);
    expect(report).toMatchObject({ due: 1, accepted: 1 });
    expect(sent).toHaveLength(2);
    expect(sent[1]!.params.get("Body")).toBe("Your appointment is tomorrow");
    expect(sent[1]!.params.get("To")).toBe(t.patient.phone_number);
    expect(sent[1]!.params.get("StatusCallback")).toBe(sent[0]!.params.get("StatusCallback"));
    const row = await messageRow(res.body.id);
    expect(row).toMatchObject({ status: "QUEUED", provider_message_id: expect.stringMatching(/^SM/) });
    expect(await attemptsOf(res.body.id)).toEqual([
      { attempt: 1, trigger: "sync", outcome: "retry" },
      { attempt: 2, trigger: "sweep", outcome: "accepted" },
    ]);
    // handed over: later sweeps leave it alone
    expect((await sweep(Date.now() + 60 * MINUTE)).due).toBe(0);
    expect(sent).toHaveLength(2);
  });

  it("sends a text left CREATED (its sender died) exactly once, even with two sweeps at once", async () => {
    const t = await twilioSetup();
    // a stored text whose provider call never happened: the send's attempt never claimed it
    const blocked = fakeTwilioMessages(server, () => HttpResponse.error());
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Reminder" });
    expect(blocked).toHaveLength(1);
    await env.DB.batch([
      env.DB.prepare("UPDATE messages SET error_message = NULL WHERE id = ?").bind(res.body.id),
      env.DB.prepare("UPDATE message_sends SET attempts = 0, next_attempt_at = ? WHERE message_id = ?").bind(Date.now() + SEND_LEASE_MS, res.body.id),
      env.DB.prepare("DELETE FROM message_send_attempts WHERE message_id = ?").bind(res.body.id),
    ]);
    server.resetHandlers();
    const sent: string[] = [];
    server.use(
      http.post(MESSAGES_URL, async ({ request }) => {
        sent.push(new URLSearchParams(await request.text()).get("Body")!);
        // slow enough that both sweeps are in flight together
        await new Promise((r) => setTimeout(r, 50));
        return HttpResponse.json({ sid: messageSid(), status: "accepted" }, { status: 201 });
      }),
    );
    // still within its grace period
    expect((await sweep(Date.now())).due).toBe(0);

    const later = Date.now() + 2 * MINUTE;
    const reports = await Promise.all([sweep(later), sweep(later)]);
    expect(sent).toEqual(["Reminder"]);
    expect(reports.reduce((n, r) => n + r.accepted, 0)).toBe(1);
    expect((await messageRow(res.body.id))?.status).toBe("QUEUED");
    expect(await attemptsOf(res.body.id)).toEqual([{ attempt: 1, trigger: "sweep", outcome: "accepted" }]);
  });

  it("never resends a text that reached QUEUED, even when its hand-off row says it is due", async () => {
    const t = await twilioSetup();
    const sent = fakeTwilioMessages(server);
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hi" });
    expect(res.body.status).toBe("QUEUED");
    // as if the sender died after Twilio accepted and the status was stored, before the hand-off was closed
    await env.DB.prepare("UPDATE message_sends SET next_attempt_at = ? WHERE message_id = ?").bind(Date.now(), res.body.id).run();
    expect((await sweep(Date.now() + MINUTE)).due).toBe(0);
    expect(sent).toHaveLength(1);
    const hand = await env.DB.prepare("SELECT next_attempt_at FROM message_sends WHERE message_id = ?").bind(res.body.id).first();
    expect(hand).toEqual({ next_attempt_at: null });
  });

  it("does not retry Twilio's refusal of a bad number", async () => {
    const t = await twilioSetup();
    const sent = fakeTwilioMessages(server, () => twilioError(400, 21211, "The 'To' number is not a valid phone number."));
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hi" });
    expect(res.body).toMatchObject({ status: "FAILED", errorMessage: expect.stringMatching(/error 21211/) });
    expect((await sweep(Date.now() + 30 * MINUTE)).due).toBe(0);
    expect(sent).toHaveLength(1);
    expect(await attemptsOf(res.body.id)).toEqual([{ attempt: 1, trigger: "sync", outcome: "failed" }]);
  });

  it("caps the attempts, backing off, and then fails the text", async () => {
    const t = await twilioSetup();
    const sent = fakeTwilioMessages(server, () => twilioError(429, 20429, "Too Many Requests"));
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hi" });
    expect(res.body.status).toBe("CREATED");
    let now = Date.now();
    const gaps: number[] = [];
    for (let i = 1; i < SEND_MAX_ATTEMPTS; i++) {
      // find when the next attempt is due, and sweep just before and at it
      const { next_attempt_at: due } = (await env.DB.prepare("SELECT next_attempt_at FROM message_sends WHERE message_id = ?").bind(res.body.id).first<{ next_attempt_at: number }>())!;
      gaps.push(due - now);
      expect((await sweep(due - 1_000)).due).toBe(0);
      expect(await sweep(due)).toMatchObject({ due: 1 });
      now = due;
    }
    expect(sent).toHaveLength(SEND_MAX_ATTEMPTS);
    // each wait is longer than the one before
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThan(gaps[i - 1]!);
    expect(await messageRow(res.body.id)).toMatchObject({ status: "FAILED", error_message: expect.stringMatching(/HTTP 429.*gave up after 5 attempts/) });
    const outcomes = (await attemptsOf(res.body.id)).map((a: any) => a.outcome);
    expect(outcomes).toEqual(["retry", "retry", "retry", "retry", "gave_up"]);
    expect((await sweep(now + 24 * 60 * MINUTE)).due).toBe(0);
    expect(sent).toHaveLength(SEND_MAX_ATTEMPTS);
  });

  it("never texts a patient who opted out while the text waited", async () => {
    const t = await twilioSetup();
    const sent = twilioAnswering([() => twilioError(503, 20500, "Service Unavailable")]);
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hi" });
    expect(res.body.status).toBe("CREATED");
    // the patient texts STOP before the sweep comes round
    await optOut(createDb(env.DB), { tenantId: t.tenantId, phoneNumber: t.patient.phone_number, source: "sms_keyword", keyword: "STOP" });
    await sweep(Date.now() + 2 * MINUTE);
    expect(sent).toHaveLength(1);
    expect((await messageRow(res.body.id))?.status).toBe("OPTED_OUT");
  });
});
