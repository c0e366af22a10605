import { describe, expect, it } from "vitest";
import { effectiveWindow, legalWindow, localMinutes, parseWindow, windowAt } from "../../../src/objects/dispatcher/calling-window";
import { ADMIN, call } from "../../helpers/http";
import { createAgent, createPatient, createTenant, patchTenant } from "../../helpers/tenants";
import { createBatch, getCall } from "../../helpers/calls";
import { fireCron, inspect, runDispatcherAlarm, tickDispatcher } from "../../helpers/objects";

const LEGAL = { start: 8 * 60, end: 21 * 60 };
const utc = (iso: string) => Date.parse(iso);

describe("calling window arithmetic", () => {
  it("reads local time in any zone, half-hour offsets included", () => {
    const at = utc("2026-07-01T12:00:00Z");
    expect(localMinutes(at, "America/New_York")).toBe(8 * 60); // EDT
    expect(localMinutes(at, "America/Los_Angeles")).toBe(5 * 60);
    expect(localMinutes(at, "Asia/Tokyo")).toBe(21 * 60);
    expect(localMinutes(at, "Asia/Kolkata")).toBe(17 * 60 + 30);
  });

  it("is open from start (inclusive) to end (exclusive), and says when it next opens", () => {
    expect(windowAt(utc("2026-07-01T12:00:00Z"), "America/New_York", LEGAL)).toEqual({ open: true, opensAt: utc("2026-07-01T12:00:00Z") });
    expect(windowAt(utc("2026-07-01T11:59:30Z"), "America/New_York", LEGAL)).toEqual({ open: false, opensAt: utc("2026-07-01T12:00:00Z") });
    expect(windowAt(utc("2026-07-01T11:30:00Z"), "America/Los_Angeles", LEGAL)).toEqual({ open: false, opensAt: utc("2026-07-01T15:00:00Z") });
    // 21:00 in Tokyo is closed until 08:00 the next morning.
    expect(windowAt(utc("2026-07-01T12:00:00Z"), "Asia/Tokyo", LEGAL)).toEqual({ open: false, opensAt: utc("2026-07-01T23:00:00Z") });
    expect(windowAt(utc("2026-07-01T11:00:00Z"), "Asia/Kolkata", LEGAL).open).toBe(true);
  });

  it("finds the opening across daylight-saving changes", () => {
    // 22:00 EST on the eve of spring-forward: 08:00 EDT is only 9 hours later.
    expect(windowAt(utc("2026-03-08T03:00:00Z"), "America/New_York", LEGAL).opensAt).toBe(utc("2026-03-08T12:00:00Z"));
    // 22:00 EDT on the eve of fall-back: 08:00 EST is 11 hours later.
    expect(windowAt(utc("2026-11-01T02:00:00Z"), "America/New_York", LEGAL).opensAt).toBe(utc("2026-11-01T13:00:00Z"));
  });

  it("defaults the legal window to 08:00-21:00 and lets tenants only narrow it", () => {
    expect(legalWindow({})).toEqual(LEGAL);
    expect(legalWindow({ CALLING_HOURS: "garbage" })).toEqual(LEGAL);
    expect(legalWindow({ CALLING_HOURS: "09:00-17:30" })).toEqual({ start: 540, end: 1050 });
    expect(parseWindow("00:00-24:00")).toEqual({ start: 0, end: 1440 });
    expect(parseWindow("21:00-08:00")).toBeNull();
    expect(effectiveWindow(LEGAL, { start: 9 * 60, end: 17 * 60 })).toEqual({ start: 540, end: 1020 });
    expect(effectiveWindow(LEGAL, { start: 6 * 60, end: 23 * 60 })).toEqual(LEGAL);
  });
});

const ZONES = [
  "Pacific/Kiritimati", "Pacific/Auckland", "Asia/Tokyo", "Asia/Kolkata", "Europe/Berlin", "UTC",
  "America/Sao_Paulo", "America/New_York", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu", "Pacific/Pago_Pago",
];

/** A zone inside 08:00-21:00 now and for the next few minutes, and one outside it. */
function zonesNow() {
  const now = Date.now();
  const steady = (zone: string, open: boolean) => [now, now + 5 * 60_000].every((t) => windowAt(t, zone, LEGAL).open === open);
  const inside = ZONES.find((z) => steady(z, true));
  const outside = ZONES.find((z) => steady(z, false));
  if (!inside || !outside) throw new Error("no pair of zones found");
  return { inside, outside };
}

async function tenantWithHours(timezone = "America/New_York") {
  const tenant = await createTenant();
  await patchTenant(tenant.id, { callingHours: { start: "08:00", end: "21:00" }, timezone });
  return { tenant, key: tenant.apiKey, agent: await createAgent(tenant.apiKey, { simulator: { durationMs: 600_000 } }) };
}

describe("calling hours: when calls are dialed", () => {
  it("dials a patient inside their hours at once and holds one outside them until their morning", async () => {
    const { inside, outside } = zonesNow();
    const { tenant, key, agent } = await tenantWithHours();
    const awake = await createPatient(key, { timezone: inside });
    const asleep = await createPatient(key, { timezone: outside });
    const batch = await createBatch(key, { agentId: agent.id, patients: [{ patientId: asleep.patient_id }, { patientId: awake.patient_id }] });
    const [late, early] = batch.calls;
    expect(batch).toMatchObject({ totalInitiated: 1, totalQueued: 1 });
    expect(late!.status).toBe("queued");
    expect(early!.status).toBe("initiating");

    const opensAt = windowAt(Date.now(), outside, LEGAL).opensAt;
    const entry = (await inspect(tenant.id)).waiting.find((e) => e.call_id === late!.callId)!;
    expect(entry.eligible_at).toBe(opensAt);

    await tickDispatcher(tenant.id, opensAt - 60_000);
    expect((await getCall(key, late!.callId)).status).toBe("queued");
    await tickDispatcher(tenant.id, opensAt);
    expect((await getCall(key, late!.callId)).status).toBe("initiating");
  });

  it("does not let a call outside its hours hold up the calls behind it", async () => {
    const { inside, outside } = zonesNow();
    const { tenant, key, agent } = await tenantWithHours();
    await patchTenant(tenant.id, { concurrencyLimit: 1 });
    const first = await createPatient(key, { timezone: outside });
    const second = await createPatient(key, { timezone: inside });
    const batch = await createBatch(key, { agentId: agent.id, patients: [{ patientId: first.patient_id }, { patientId: second.patient_id }] });
    expect(batch.calls.map((c) => c.status)).toEqual(["queued", "initiating"]);
  });

  it("uses the tenant's time zone for a patient without one", async () => {
    const { inside, outside } = zonesNow();
    const night = await tenantWithHours(outside);
    const p1 = await createPatient(night.key, { timezone: null });
    const held = await createBatch(night.key, { agentId: night.agent.id, patients: [{ patientId: p1.patient_id }] });
    expect(held.calls[0]!.status).toBe("queued");

    const day = await tenantWithHours(inside);
    const p2 = await createPatient(day.key, { timezone: null });
    const dialed = await createBatch(day.key, { agentId: day.agent.id, patients: [{ patientId: p2.patient_id }] });
    expect(dialed.calls[0]!.status).toBe("initiating");
  });

  it("holds a released scheduled call outside its hours, then dials it when they open", async () => {
    const { outside } = zonesNow();
    const { tenant, key, agent } = await tenantWithHours();
    const patient = await createPatient(key, { timezone: outside });
    const at = Date.now() + 60_000;
    const batch = await createBatch(key, { agentId: agent.id, patients: [{ patientId: patient.patient_id }], scheduledAt: new Date(at).toISOString() });
    await fireCron(at);
    // The release moves the campaign's calls into the queue on the dispatcher's alarm.
    await runDispatcherAlarm(tenant.id);
    const callId = batch.calls[0]!.callId;
    expect((await getCall(key, callId)).status).toBe("queued");
    const opensAt = windowAt(Date.now(), outside, LEGAL).opensAt;
    await tickDispatcher(tenant.id, opensAt - 1);
    expect((await getCall(key, callId)).status).toBe("queued");
    await tickDispatcher(tenant.id, opensAt);
    expect((await getCall(key, callId)).status).toBe("initiating");
  });

  it("applies narrower hours set by an operator to calls already waiting", async () => {
    const { inside } = zonesNow();
    const { tenant, key, agent } = await tenantWithHours();
    await patchTenant(tenant.id, { concurrencyLimit: 1 });
    const [a, b] = [await createPatient(key, { timezone: inside }), await createPatient(key, { timezone: inside })];
    const batch = await createBatch(key, { agentId: agent.id, patients: [{ patientId: a.patient_id }, { patientId: b.patient_id }] });
    expect(batch.calls.map((c) => c.status)).toEqual(["initiating", "queued"]);
    // A one-hour window that is closed now in the patient's zone (it is between 08:00 and 21:00 there).
    const hour = Math.floor(localMinutes(Date.now(), inside) / 60);
    const [start, end] = hour >= 9 ? ["08:00", "09:00"] : ["10:00", "11:00"];
    expect((await patchTenant(tenant.id, { callingHours: { start, end }, concurrencyLimit: 2 })).callingHours).toEqual({ start, end });
    await tickDispatcher(tenant.id, Date.now());
    expect((await getCall(key, batch.calls[1]!.callId)).status).toBe("queued");
  });

  it("refuses calling hours that are malformed or end before they start", async () => {
    const tenant = await createTenant();
    for (const callingHours of [{ start: "21:00", end: "08:00" }, { start: "8:00", end: "21:00" }, { start: "08:00" }, { start: "08:00", end: "25:00" }]) {
      const res = await call(`/admin/tenants/${tenant.id}`, { method: "PATCH", headers: ADMIN, json: { callingHours } });
      expect(res.status, JSON.stringify(callingHours)).toBe(400);
    }
    const reset = await call(`/admin/tenants/${tenant.id}`, { method: "PATCH", headers: ADMIN, json: { callingHours: null } });
    expect(reset.body.callingHours).toBeNull();
  });
});
