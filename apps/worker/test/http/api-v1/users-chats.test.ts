import { describe, expect, it } from "vitest";
import { call, expectEnvelope, UUID } from "../../helpers/http";
import { createPatient, createTenant } from "../../helpers/tenants";
import { sleep } from "../../helpers/wait";

describe("staff users", () => {
  it("creates a user (PROVIDER by default) and answers 201 in the UserTiny shape", async () => {
    const { apiKey: key } = await createTenant();
    const res = await call("/api/v1/users", { method: "POST", key, json: { firstName: "Dana", lastName: "Nurse" } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(UUID), type: "PROVIDER", firstName: "Dana", lastName: "Nurse", phoneNumber: null, email: null, locationId: null });

    const full = await call("/api/v1/users", {
      method: "POST",
      key,
      json: { firstName: "Ava", lastName: "Bot", email: "ava@clinic.example", phoneNumber: "(555) 555-0100", type: "ASSISTANT", locationId: "loc-1" },
    });
    expect(full.status).toBe(201);
    expect(full.body).toEqual({ id: expect.any(String), type: "ASSISTANT", firstName: "Ava", lastName: "Bot", phoneNumber: "+15555550100", email: "ava@clinic.example", locationId: "loc-1" });
    expect(Object.keys(full.body)).toEqual(["id", "type", "firstName", "lastName", "phoneNumber", "email", "locationId"]);
  });

  it("rejects invalid users with a 400 naming the field", async () => {
    const { apiKey: key } = await createTenant();
    for (const [body, message] of [
      [{ lastName: "X" }, /firstName/],
      [{ firstName: "A", lastName: "B", email: "nope" }, /email must be a valid email/],
      [{ firstName: "A", lastName: "B", phoneNumber: "12" }, /phoneNumber must be a valid phone number/],
      [{ firstName: "A", lastName: "B", type: "PATIENT" }, /type/],
    ] as const) {
      const res = await call("/api/v1/users", { method: "POST", key, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectEnvelope(res.body, 400, "/api/v1/users", "POST", message);
    }
  });

  it("gets, lists newest first, updates and deletes", async () => {
    const { apiKey: key } = await createTenant();
    const a = (await call("/api/v1/users", { method: "POST", key, json: { firstName: "A", lastName: "One" } })).body;
    await sleep(2);
    const b = (await call("/api/v1/users", { method: "POST", key, json: { firstName: "B", lastName: "Two" } })).body;
    expect((await call(`/api/v1/users/${a.id}`, { key })).body).toEqual(a);
    const list = await call("/api/v1/users?size=1", { key });
    expect(list.body).toEqual({ data: [b], pagination: { start: 1, requested_size: 1, returned_count: 1, total: 2, hasMore: true } });

    const patched = await call(`/api/v1/users/${a.id}`, { method: "PATCH", key, json: { lastName: "Uno", phoneNumber: "555-555-0199", email: null } });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...a, lastName: "Uno", phoneNumber: "+15555550199" });

    const deleted = await call(`/api/v1/users/${a.id}`, { method: "DELETE", key });
    expect(deleted.body).toEqual({ id: a.id, deleted: true });
    expect((await call(`/api/v1/users/${a.id}`, { key })).status).toBe(404);
    expect((await call(`/api/v1/users/${a.id}`, { method: "DELETE", key })).status).toBe(404);
    expect((await call("/api/v1/users", { key })).body.pagination.total).toBe(1);
  });

  it("never shows or changes another tenant's users", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const theirs = (await call("/api/v1/users", { method: "POST", key: b.apiKey, json: { firstName: "Private", lastName: "Person" } })).body;
    for (const [method, json] of [["GET", undefined], ["PATCH", { firstName: "X" }], ["DELETE", undefined]] as const) {
      const res = await call(`/api/v1/users/${theirs.id}`, { method, key: a.apiKey, ...(json ? { json } : {}) });
      expect(res.status, method).toBe(404);
      expect(res.body.error.message).toBe("User not found");
    }
    expect((await call("/api/v1/users", { key: a.apiKey })).body.pagination.total).toBe(0);
    expect((await call(`/api/v1/users/${theirs.id}`, { key: b.apiKey })).body.firstName).toBe("Private");
  });
});

describe("chats", () => {
  it("returns the patient's one chat: 201 when new, 200 after", async () => {
    const { apiKey: key } = await createTenant();
    const patient = await createPatient(key);
    const first = await call("/api/v1/chats", { method: "POST", key, json: { patientId: patient.patient_id } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(UUID),
      patientId: patient.patient_id,
      phoneNumber: patient.phone_number,
      optedOutOfSms: false,
      createdDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const again = await call("/api/v1/chats", { method: "POST", key, json: { patientId: patient.patient_id } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await call(`/api/v1/chats/${first.body.id}`, { key })).body).toEqual(first.body);
  });

  it("concurrent creates for one patient make one chat", async () => {
    const { apiKey: key } = await createTenant();
    const patient = await createPatient(key);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => call("/api/v1/chats", { method: "POST", key, json: { patientId: patient.patient_id } })),
    );
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(7);
  });

  it("404 for unknown or foreign patients and chats; 400 without patientId", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const theirPatient = await createPatient(b.apiKey);
    const theirChat = (await call("/api/v1/chats", { method: "POST", key: b.apiKey, json: { patientId: theirPatient.patient_id } })).body;
    const foreign = await call("/api/v1/chats", { method: "POST", key: a.apiKey, json: { patientId: theirPatient.patient_id } });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.message).toBe("Patient not found");
    for (const path of [`/api/v1/chats/${theirChat.id}`, `/api/v1/chats/${theirChat.id}/messages`, `/api/v1/chats/${theirChat.id}/calls`]) {
      const res = await call(path, { key: a.apiKey });
      expect(res.status, path).toBe(404);
      expect(res.body.error.message).toBe("Chat not found");
    }
    const missing = await call("/api/v1/chats", { method: "POST", key: a.apiKey, json: {} });
    expect(missing.status).toBe(400);
    expectEnvelope(missing.body, 400, "/api/v1/chats", "POST", /patientId/);
  });

  it("lists messages with the calls' pagination (empty chat)", async () => {
    const { apiKey: key } = await createTenant();
    const patient = await createPatient(key);
    const chat = (await call("/api/v1/chats", { method: "POST", key, json: { patientId: patient.patient_id } })).body;
    const res = await call(`/api/v1/chats/${chat.id}/messages`, { key });
    expect(res.body).toEqual({ data: [], pagination: { start: 1, requested_size: 100, returned_count: 0, total: 0, hasMore: false } });
    const bad = await call(`/api/v1/chats/${chat.id}/messages?size=0`, { key });
    expect(bad.status).toBe(400);
  });
});
