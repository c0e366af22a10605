import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { Internal } from "../../src/internal";
import { commsSetup, listMessages, sendMessage } from "../helpers/messaging";
import { call } from "../helpers/http";
import { acceptWebhooks, countersOf, listenToWebhooks, recordConsent, webhookData, zoneAt } from "../helpers/policy";
import { DAY } from "../helpers/policy";
import { fakeTwilioMessages } from "../fakes/twilio";
import { useTwilio } from "../helpers/messaging";
import { quiesceEndpoints } from "../helpers/webhooks";
import { server } from "../network";

// Texts are decided by the same policy as calls, right before each hand-off to the provider: a
// refused text is never sent, a deferred one waits (SCHEDULED) and goes when the policy allows.

afterEach(() => quiesceEndpoints());

async function onTwilio(patient: Record<string, unknown> = {}) {
  const t = await commsSetup(patient);
  await useTwilio(t.key);
  server.use(acceptWebhooks);
  await listenToWebhooks(t.key);
  return { ...t, sent: fakeTwilioMessages(server) };
}

const text = (t: Awaited<ReturnType<typeof onTwilio>>, content: string, messageType?: string) =>
  sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content, ...(messageType ? { message_type: messageType } : {}) });

async function sweep(now: number) {
  const ctx = createExecutionContext();
  const report = await new Internal(ctx, env).resendMessages(now);
  await waitOnExecutionContext(ctx);
  return report;
}

describe("texts under the contact policy", () => {
  it("a text at 02:00 for the patient waits (SCHEDULED) until 08:00 there, then goes", async () => {
    const night = zoneAt(2);
    const t = await onTwilio({ timezone: night.zone });
    const until = night.next("08:00");
    const res = await text(t, "Your lab results are ready.", "REMINDER");
    expect(res.body).toMatchObject({
      status: "SCHEDULED",
      sendoMessageId: null,
      errorMessage: `Deferred by the contact policy until ${new Date(until).toISOString()} (outside_calling_hours: Outside 08:00-21:00 at the patient's location (or the tenant's narrower hours).); it will be sent then`,
    });
    expect(t.sent).toHaveLength(0);
    expect(await webhookData(t.tenantId, "message.deferred")).toEqual([
      // No state on record: the strictest state's hours apply as well.
      { message_id: res.body.id, chat_id: t.chat.id, purpose: "appointment_reminder", reason: "outside_calling_hours", reasons: ["outside_calling_hours", "state_quiet_hours"], until: new Date(until).toISOString() },
    ]);
    // A deferral is not an attempt: nothing is logged as tried, and the cron's minute sweep leaves it until its time.
    expect((await sweep(until - 60_000)).due).toBe(0);
    expect(t.sent).toHaveLength(0);
    expect((await sweep(until)).accepted).toBe(1);
    expect(t.sent).toHaveLength(1);
    expect((await listMessages(t.key, t.chat.id)).data[0]).toMatchObject({ id: res.body.id, status: "QUEUED" });
    expect((await countersOf(t.tenantId, t.patient.patient_id))!.recent).toEqual([{ at: until, channel: "sms", purpose: "appointment_reminder", ref: res.body.id }]);
  });

  it("texts and calls share the exemption's one contact a day: a second reminder waits", async () => {
    const t = await onTwilio();
    const first = await text(t, "Reminder: check-up tomorrow at 10:30.");
    expect(first.body.status).toBe("QUEUED");
    const second = await text(t, "Reminder again.");
    expect(second.body).toMatchObject({ status: "SCHEDULED", errorMessage: expect.stringContaining("(daily_cap: ") });
    expect(t.sent).toHaveLength(1);
    const contacts = (await call(`/api/v1/patients/${t.patient.patient_id}/contacts`, { key: t.key })).body;
    expect(contacts.data).toEqual([
      expect.objectContaining({ channel: "sms", id: second.body.id, status: "CREATED", policy: expect.objectContaining({ decision: "defer", reason: "daily_cap" }), counted: false }),
      expect.objectContaining({ channel: "sms", id: first.body.id, status: "QUEUED", policy: expect.objectContaining({ decision: "allow" }), counted: true }),
    ]);
    const until = Date.parse(contacts.data[0].policy.until);
    expect(until).toBe((await countersOf(t.tenantId, t.patient.patient_id))!.recent[0].at + DAY);
  });

  it("refuses an exempt text over 160 characters; consent-based texts may be longer", async () => {
    const t = await onTwilio();
    const long = "Your appointment is confirmed. ".repeat(6); // 186 characters
    const refused = await text(t, long, "REMINDER");
    expect(refused.body).toMatchObject({ status: "FAILED", errorMessage: expect.stringMatching(/160 characters.*\[message_too_long\]$/) });
    expect(await webhookData(t.tenantId, "message.refused")).toEqual([
      { message_id: refused.body.id, chat_id: t.chat.id, purpose: "appointment_reminder", reason: "message_too_long", reasons: ["message_too_long"] },
    ]);
    // INTRODUCTORY texts are for `other` purposes: they need consent, and are not held to the exemption's 160.
    expect((await text(t, long, "INTRODUCTORY")).body).toMatchObject({ status: "FAILED", errorMessage: expect.stringContaining("[no_consent]") });
    await recordConsent(t.key, t.patient.patient_id, { basis: "prior_express_consent", source: "portal", evidence: "checkbox-2", scope: ["texts"] });
    expect((await text(t, long, "INTRODUCTORY")).body.status).toBe("QUEUED");
    expect(t.sent.map((s) => s.params.get("Body"))).toEqual([long]);
  });

  it("the do-not-call list keeps texts as OPTED_OUT, and nothing is sent", async () => {
    const t = await onTwilio();
    await call("/api/v1/do-not-call", { method: "POST", key: t.key, json: { numbers: [t.patient.phone_number] } });
    const res = await text(t, "Hello");
    expect(res.body).toMatchObject({ status: "OPTED_OUT", errorMessage: "The number is on the tenant's do-not-call list; nothing was sent [number_on_dnc]" });
    expect(t.sent).toHaveLength(0);
  });

  it("the simulator's texts ignore the hours locally (they reach no one) and are not counted", async () => {
    const night = zoneAt(2);
    const t = await commsSetup({ timezone: night.zone });
    const res = await sendMessage(t.key, t.tenantId, { sender_id: t.user.id, chat_id: t.chat.id, content: "Hi" });
    expect(res.body.status).toBe("QUEUED");
    expect(await countersOf(t.tenantId, t.patient.patient_id)).toBeNull();
  });
});
