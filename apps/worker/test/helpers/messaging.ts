import { expect } from "vitest";
import { ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID } from "../fakes/twilio";
import { api, comms, json } from "./http";
import { createPatient, createTenant } from "./tenants";

/* Texting: staff users, chats, the tenant's messaging settings, and sending. */

/** A tenant with a patient and a staff user, ready to text. */
export async function commsSetup(patientOverrides: Record<string, unknown> = {}) {
  const tenant = await createTenant();
  const key = tenant.apiKey;
  const patient = await createPatient(key, patientOverrides);
  const user = await createStaffUser(key);
  const chat = await chatFor(key, patient.patient_id);
  return { tenant, tenantId: tenant.id, key, patient, user, chat };
}

export async function createStaffUser(key: string, overrides: Record<string, unknown> = {}) {
  const res = await api("/api/v1/users", { method: "POST", key, json: { firstName: "Dana", lastName: "Nurse", ...overrides } });
  expect(res.status).toBe(201);
  return json(res);
}

export async function chatFor(key: string, patientId: string) {
  const res = await api("/api/v1/chats", { method: "POST", key, json: { patientId } });
  expect([200, 201]).toContain(res.status);
  return json(res);
}

export async function setMessaging(key: string, body: unknown) {
  const res = await api("/api/v1/messaging/settings", { method: "PUT", key, json: body });
  return { status: res.status, body: await json(res) };
}

/** The tenant texts through the fake Twilio's test account (fakes/twilio.ts). */
export async function useTwilio(key: string, extra: Record<string, unknown> = {}) {
  const res = await setMessaging(key, { provider: "twilio", twilio: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, messagingServiceSid: SERVICE_SID, ...extra } });
  expect(res.status).toBe(200);
  return res.body;
}

/** A tenant ready to text (commsSetup), texting through the fake Twilio. */
export async function twilioSetup(patientOverrides: Record<string, unknown> = {}) {
  const t = await commsSetup(patientOverrides);
  await useTwilio(t.key);
  return t;
}

/** The multipart form of send-message. */
export function messageForm(fields: Record<string, string | undefined>, files: File[] = [], fileField = "files"): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, value);
  for (const file of files) form.append(fileField, file);
  return form;
}

export async function sendMessage(key: string, tenant: string, fields: Record<string, string | undefined>, files: File[] = []) {
  return comms("/comms/chat/send-message", { method: "POST", key, tenant, form: messageForm(fields, files) });
}

export async function listMessages(key: string, chatId: string, query = "") {
  const res = await api(`/api/v1/chats/${chatId}/messages${query}`, { key });
  expect(res.status).toBe(200);
  return json(res);
}

/** Tiny files whose first bytes are what they claim. */
export const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 1, 2, 3, 4]);
export const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]);
export const PDF = new TextEncoder().encode("%PDF-1.4\n%fake but well-started pdf\n");
