import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { expect } from "vitest";
import { call } from "./http";
import { registerEndpoint } from "./webhooks";

// Helpers for the contact-policy suites: zones at a chosen local hour, the instants the law names,
// and what a call or text left behind (webhook events, counters).

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** The UTC offset (hours) at which the local clock reads `hour` o'clock now; between -12 and +14, as zones are. */
function offsetFor(hour: number, now: number): number {
  let offset = hour - new Date(now).getUTCHours();
  if (offset < -12) offset += 24;
  if (offset > 14) offset -= 24;
  return offset;
}

/**
 * An IANA zone (`Etc/GMT±N`, no daylight saving) whose clock reads `hour`:mm now, and the instant
 * its clock next reads `at` (e.g. "08:00"), computed without the code under test.
 */
export function zoneAt(hour: number, now = Date.now()) {
  const offset = offsetFor(hour, now);
  const zone = offset === 0 ? "Etc/GMT" : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  const next = (clock: string) => {
    const [h, m] = clock.split(":").map(Number) as [number, number];
    const local = now + offset * HOUR;
    let candidate = Math.floor(local / DAY) * DAY + h * HOUR + m * 60_000;
    if (candidate <= local) candidate += DAY;
    return candidate - offset * HOUR;
  };
  return { zone, next };
}

/** The minutes left in the current hour: tests that need an hour to hold skip its last minutes. */
export function minutesLeftInHour(now = Date.now()): number {
  return 59 - new Date(now).getUTCMinutes();
}

export const CONSENT = { basis: "prior_express_consent", source: "intake_form", evidence: "form-8812", scope: ["calls", "texts"] };
export const WRITTEN_CONSENT = { ...CONSENT, basis: "prior_express_written_consent" };

export async function recordConsent(key: string, patientId: string, body: Record<string, unknown> = CONSENT) {
  const res = await call(`/api/v1/patients/${patientId}/consent`, { method: "POST", key, json: body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A customer endpoint that accepts everything, so the tenant's webhook events are written (they are read back from D1). */
export async function listenToWebhooks(key: string) {
  return registerEndpoint(key, { url: "https://hooks.test/policy" });
}

export const acceptWebhooks = http.post("https://hooks.test/:name", () => new HttpResponse(null, { status: 204 }));

/** The tenant's webhook events of a type, oldest first, as their payloads' `data`. */
export async function webhookData(tenantId: string, type: string): Promise<any[]> {
  const rows = await env.DB.prepare("SELECT payload FROM webhook_events WHERE tenant_id = ? AND type = ? ORDER BY created_at, rowid")
    .bind(tenantId, type)
    .all<{ payload: string }>();
  return rows.results.map((r) => JSON.parse(r.payload).data);
}

/** A patient's counters row as stored. */
export async function countersOf(tenantId: string, patientId: string): Promise<{ recent: any[]; version: number } | null> {
  const row = await env.DB.prepare("SELECT recent, version FROM contact_counters WHERE tenant_id = ? AND patient_id = ?").bind(tenantId, patientId).first<{ recent: string; version: number }>();
  return row ? { recent: JSON.parse(row.recent), version: row.version } : null;
}

/** Writes a patient's counters row as if these contacts had been made (what the caps would have recorded). */
export async function seedContacts(tenantId: string, patientId: string, contacts: { at: number; channel?: "call" | "sms"; purpose?: string; subject?: string }[]) {
  const recent = contacts.map((c) => ({ channel: "call", purpose: "appointment_reminder", ...c }));
  await env.DB.prepare("INSERT INTO contact_counters (tenant_id, patient_id, recent, version, updated_at) VALUES (?, ?, ?, 1, ?)")
    .bind(tenantId, patientId, JSON.stringify(recent), Date.now())
    .run();
}

export { DAY, HOUR };
