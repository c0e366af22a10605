import { describe, expect, it } from "vitest";
import { api, expectEnvelope, json } from "../../helpers/http";
import { createPatient, createTenant } from "../../helpers/tenants";

async function search(key: string, q: string) {
  const res = await api(`/api/v1/patients?q=${encodeURIComponent(q)}`, { key });
  expect(res.status).toBe(200);
  return (await json(res)).data.map((p: any) => `${p.first_name} ${p.last_name}`).sort();
}

describe("GET /api/v1/patients?q=", () => {
  it("finds patients by name (any case, first and last together), email, or phone digits", async () => {
    const tenant = await createTenant();
    const key = tenant.apiKey;
    await createPatient(key, { firstName: "María", lastName: "Lopez", phoneNumber: "+1 (555) 201-3344", email: "maria.lopez@example.com" });
    await createPatient(key, { firstName: "Luis", lastName: "Lopez-Garcia", phoneNumber: "+15552019999", email: null });
    await createPatient(key, { firstName: "Ann", lastName: "Smith", phoneNumber: "+15559870000", email: "ann@clinic.test" });
    expect(await search(key, "lopez")).toEqual(["Luis Lopez-Garcia", "María Lopez"]);
    expect(await search(key, "LOPEZ-g")).toEqual(["Luis Lopez-Garcia"]);
    expect(await search(key, "maría lo")).toEqual(["María Lopez"]);
    expect(await search(key, "clinic.test")).toEqual(["Ann Smith"]);
    expect(await search(key, "(555) 201")).toEqual(["Luis Lopez-Garcia", "María Lopez"]);
    expect(await search(key, "201-3344")).toEqual(["María Lopez"]);
    expect(await search(key, "nobody")).toEqual([]);
  });

  it("takes % and _ literally, not as wildcards", async () => {
    const tenant = await createTenant();
    await createPatient(tenant.apiKey, { firstName: "Percy", lastName: "100%" });
    await createPatient(tenant.apiKey, { firstName: "Other", lastName: "Person" });
    expect(await search(tenant.apiKey, "%")).toEqual(["Percy 100%"]);
    expect(await search(tenant.apiKey, "_")).toEqual([]);
  });

  it("searches only the tenant's own patients and counts the matches", async () => {
    const mine = await createTenant();
    const theirs = await createTenant();
    await createPatient(mine.apiKey, { lastName: "Quintero" });
    await createPatient(theirs.apiKey, { lastName: "Quintero" });
    const body = await json(await api("/api/v1/patients?q=quintero", { key: mine.apiKey }));
    expect(body.data).toHaveLength(1);
    expect(body.pagination).toMatchObject({ total: 1, returned_count: 1 });
  });

  it.each([["", /q must not be empty/], ["   ", /q must not be empty/], ["x".repeat(101), /q must be at most 100 characters/]])("refuses q=%j", async (q, message) => {
    const tenant = await createTenant();
    const res = await api(`/api/v1/patients?q=${encodeURIComponent(q)}`, { key: tenant.apiKey });
    expect(res.status).toBe(400);
    expectEnvelope(await res.json(), 400, "/api/v1/patients", "GET", message);
  });
});

describe("GET /api/v1/chats", () => {
  it("finds a patient's chat without creating one", async () => {
    const tenant = await createTenant();
    const key = tenant.apiKey;
    const patient = await createPatient(key);
    const none = await json(await api(`/api/v1/chats?patient_id=${patient.patient_id}`, { key }));
    expect(none.data).toEqual([]);
    expect((await json(await api("/api/v1/chats", { key }))).pagination.total).toBe(0);

    const created = await json(await api("/api/v1/chats", { method: "POST", key, json: { patientId: patient.patient_id } }));
    const other = await createPatient(key);
    await api("/api/v1/chats", { method: "POST", key, json: { patientId: other.patient_id } });
    const found = await json(await api(`/api/v1/chats?patient_id=${patient.patient_id}`, { key }));
    expect(found.data).toEqual([created]);
    expect((await json(await api("/api/v1/chats", { key }))).pagination.total).toBe(2);

    const stranger = await createTenant();
    expect((await json(await api(`/api/v1/chats?patient_id=${patient.patient_id}`, { key: stranger.apiKey }))).data).toEqual([]);
  });
});
