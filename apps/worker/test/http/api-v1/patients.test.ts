import { describe, expect, it } from "vitest";
import { call, expectEnvelope } from "../../helpers/http";
import { createPatient, createTenant } from "../../helpers/tenants";
import { sleep } from "../../helpers/wait";

const PATH = "/api/v1/patients";

async function tenantKey() {
  return (await createTenant()).apiKey;
}

describe("patients", () => {
  it("creates from camelCase and answers 201 in snake_case, phone in E.164", async () => {
    const key = await tenantKey();
    const res = await call(PATH, {
      method: "POST",
      key,
      json: { firstName: "John", lastName: "Doe", phoneNumber: "(555) 555-1234", birthDate: "1990-01-01", email: "john.doe@email.com", timezone: "America/New_York" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      patient_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      first_name: "John",
      last_name: "Doe",
      birth_date: "1990-01-01",
      email: "john.doe@email.com",
      phone_number: "+15555551234",
      timezone: "America/New_York",
      state: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it("normalizes common phone formats to E.164", async () => {
    const key = await tenantKey();
    const cases: [string, string][] = [
      ["(555) 555-1234", "+15555551234"],
      ["555.555.1235", "+15555551235"],
      ["555-555-1236", "+15555551236"],
      ["+1 555 555 1237", "+15555551237"],
      ["1-555-555-1238", "+15555551238"],
      ["+44 20 7946 0958", "+442079460958"],
    ];
    for (const [input, e164] of cases) {
      const res = await call(PATH, { method: "POST", key, json: { firstName: "A", lastName: "B", phoneNumber: input } });
      expect(res.status, input).toBe(201);
      expect(res.body.phone_number, input).toBe(e164);
    }
  });

  it("accepts a patient with only the required fields (nullable rest)", async () => {
    const key = await tenantKey();
    const res = await call(PATH, { method: "POST", key, json: { firstName: "Only", lastName: "Names" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ birth_date: null, email: null, phone_number: null, timezone: null });
  });

  it("rejects invalid fields with a 400 envelope naming the problem", async () => {
    const key = await tenantKey();
    const base = { firstName: "A", lastName: "B" };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, phoneNumber: "12" }, /phoneNumber must be a valid phone number/],
      [{ ...base, phoneNumber: "not a phone" }, /phoneNumber/],
      [{ ...base, timezone: "Mars/Olympus_Mons" }, /timezone must be an IANA time zone/],
      [{ ...base, timezone: "EST" }, /timezone/],
      [{ ...base, email: "not-an-email" }, /email must be a valid email address/],
      [{ ...base, birthDate: "01/02/1990" }, /birthDate must be a date as YYYY-MM-DD/],
      [{ ...base, birthDate: "1990-02-30" }, /birthDate/],
      [{ lastName: "B" }, /firstName/],
      [{ firstName: "  ", lastName: "B" }, /firstName is required/],
      [{ firstName: "A" }, /lastName/],
      [{ firstName: 42, lastName: "B" }, /firstName/],
      [{ ...base, phoneNumber: 5555551234 }, /phoneNumber/],
    ];
    for (const [body, message] of cases) {
      const res = await call(PATH, { method: "POST", key, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectEnvelope(res.body, 400, PATH, "POST", message);
    }
    // none of them was stored
    expect((await call(PATH, { key })).body.pagination.total).toBe(0);
  });

  it("gets one patient and answers 404 for an unknown id", async () => {
    const key = await tenantKey();
    const p = await createPatient(key, { email: "x@example.com" });
    const res = await call(`${PATH}/${p.patient_id}`, { key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(p);
    for (const id of ["99999999-9999-4999-8999-999999999999", "not-a-uuid"]) {
      const missing = await call(`${PATH}/${id}`, { key });
      expect(missing.status).toBe(404);
      expectEnvelope(missing.body, 404, `${PATH}/${id}`, "GET", "Patient not found");
    }
  });

  it("lists newest first with 1-based size/start pagination", async () => {
    const key = await tenantKey();
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      created.push((await createPatient(key, { firstName: `P${i}` })).patient_id);
      await sleep(2); // distinct creation times, so "newest first" has one answer
    }
    const newestFirst = [...created].reverse();

    const all = await call(PATH, { key });
    expect(all.status).toBe(200);
    expect(all.body.data.map((p: any) => p.patient_id)).toEqual(newestFirst);
    expect(all.body.pagination).toEqual({ start: 1, requested_size: 100, returned_count: 5, total: 5, hasMore: false });

    const seen: string[] = [];
    for (const [start, count, hasMore] of [[1, 2, true], [3, 2, true], [5, 1, false]] as const) {
      const page = await call(`${PATH}?size=2&start=${start}`, { key });
      expect(page.body.pagination).toEqual({ start, requested_size: 2, returned_count: count, total: 5, hasMore });
      seen.push(...page.body.data.map((p: any) => p.patient_id));
    }
    expect(seen).toEqual(newestFirst);

    const beyond = await call(`${PATH}?size=2&start=6`, { key });
    expect(beyond.body).toEqual({ data: [], pagination: { start: 6, requested_size: 2, returned_count: 0, total: 5, hasMore: false } });

    for (const query of ["size=0", "size=501", "size=abc", "size=1.5", "start=0", "start=-1", "start=x"]) {
      const bad = await call(`${PATH}?${query}`, { key });
      expect(bad.status, query).toBe(400);
      expectEnvelope(bad.body, 400, PATH, "GET", /size must be an integer between 1 and 500|start must be an integer >= 1/);
    }
  });

  it("updates some fields, normalizing the phone, and keeps the rest", async () => {
    const key = await tenantKey();
    const p = await createPatient(key, { email: "old@example.com" });
    const res = await call(`${PATH}/${p.patient_id}`, { method: "PATCH", key, json: { lastName: "Smith", phoneNumber: "(555) 555-9876" } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...p,
      last_name: "Smith",
      phone_number: "+15555559876",
      updated_at: expect.any(String),
    });
    expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(p.updated_at));
    expect((await call(`${PATH}/${p.patient_id}`, { key })).body).toEqual(res.body);

    // null clears an optional field; {} changes nothing
    const cleared = await call(`${PATH}/${p.patient_id}`, { method: "PATCH", key, json: { email: null } });
    expect(cleared.body.email).toBeNull();
    const same = await call(`${PATH}/${p.patient_id}`, { method: "PATCH", key, json: {} });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ first_name: p.first_name, last_name: "Smith", email: null });
  });

  it("validates updates and answers 404 for an unknown id", async () => {
    const key = await tenantKey();
    const p = await createPatient(key);
    for (const [body, message] of [
      [{ phoneNumber: "123" }, /phoneNumber/],
      [{ timezone: "Nowhere/Town" }, /timezone/],
      [{ email: "nope" }, /email/],
      [{ birthDate: "yesterday" }, /birthDate/],
      [{ firstName: "" }, /firstName/],
    ] as const) {
      const res = await call(`${PATH}/${p.patient_id}`, { method: "PATCH", key, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectEnvelope(res.body, 400, `${PATH}/${p.patient_id}`, "PATCH", message);
    }
    expect((await call(`${PATH}/${p.patient_id}`, { key })).body).toEqual(p);
    const missing = await call(`${PATH}/99999999-9999-4999-8999-999999999999`, { method: "PATCH", key, json: { firstName: "X" } });
    expect(missing.status).toBe(404);
  });

  it("deletes a patient", async () => {
    const key = await tenantKey();
    const p = await createPatient(key);
    const keep = await createPatient(key);
    const res = await call(`${PATH}/${p.patient_id}`, { method: "DELETE", key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ patient_id: p.patient_id, deleted: true });
    expect((await call(`${PATH}/${p.patient_id}`, { key })).status).toBe(404);
    const again = await call(`${PATH}/${p.patient_id}`, { method: "DELETE", key });
    expect(again.status).toBe(404);
    expectEnvelope(again.body, 404, `${PATH}/${p.patient_id}`, "DELETE", "Patient not found");
    const list = await call(PATH, { key });
    expect(list.body.data.map((x: any) => x.patient_id)).toEqual([keep.patient_id]);
  });
});
