import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getCall, listCalls, placeCall } from "../helpers/calls";
import { rowsReadBy } from "../helpers/d1-reads";
import { api } from "../helpers/http";
import { archiveText, DAY, deletePatient, rows, runUntilDone, tenantWithHistory } from "../helpers/lifecycle";
import { playCall } from "../helpers/objects";
import { createPatient, setup } from "../helpers/tenants";

/*
 * calls.patient: the call row's copy of its patient's current details (what the Call object
 * embeds), written by the create request and kept current by triggers on `patients`, so /api/v1
 * reads a call without its patient row.
 */

async function embedOf(callId: string): Promise<Record<string, unknown> | null> {
  const [row] = await rows(`SELECT patient FROM calls WHERE id = ?`, callId);
  return row!.patient === null ? null : JSON.parse(row!.patient);
}

const wire = (p: any) => ({ patient_id: p.patient_id, first_name: p.first_name, last_name: p.last_name, birth_date: p.birth_date, email: p.email, phone_number: p.phone_number });

describe("the call row's copy of its patient", () => {
  it("is written by the create request, and get and list show it without reading the patient row", async () => {
    const { key, agent } = await setup();
    const patient = await createPatient(key, { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", birthDate: "1815-12-10" });
    const callId = await placeCall(key, patient.patient_id, agent.id);
    expect(await embedOf(callId)).toEqual({
      id: patient.patient_id, firstName: "Ada", lastName: "Lovelace", birthDate: "1815-12-10", email: "ada@example.com", phoneNumber: patient.phone_number,
    });
    const one = await rowsReadBy(`/api/v1/calls/${callId}`, { headers: { "X-API-Key": key } });
    expect((await one.response.json<any>()).patient).toEqual(wire(patient));
    const page = await rowsReadBy(`/api/v1/calls`, { headers: { "X-API-Key": key } });
    expect((await page.response.json<any>()).data[0].patient).toEqual(wire(patient));
    for (const statement of [...one.statements, ...page.statements]) expect(statement).not.toMatch(/"?patients"?\s/);
  });

  it("follows a PATCH of the patient on every one of their calls, and no one else's", async () => {
    const { key, agent, patient } = await setup();
    const other = await createPatient(key);
    const calls = [await placeCall(key, patient.patient_id, agent.id), await placeCall(key, patient.patient_id, agent.id)];
    const otherCall = await placeCall(key, other.patient_id, agent.id);
    const patched = await api(`/api/v1/patients/${patient.patient_id}`, { method: "PATCH", key, json: { lastName: "Hopper", email: "grace@example.com" } });
    expect(patched.status).toBe(200);
    for (const callId of calls) {
      expect(await embedOf(callId)).toMatchObject({ id: patient.patient_id, firstName: "Jane", lastName: "Hopper", email: "grace@example.com", birthDate: "1990-01-01" });
      expect((await getCall(key, callId)).patient).toMatchObject({ last_name: "Hopper", email: "grace@example.com" });
    }
    expect((await listCalls(key)).data.filter((c: any) => c.patient.patient_id === patient.patient_id).map((c: any) => c.patient.last_name)).toEqual(["Hopper", "Hopper"]);
    expect(await embedOf(otherCall)).toMatchObject({ id: other.patient_id, lastName: "Doe" });
  });

  it("is rewritten only when an embedded field changes (a time zone change leaves the calls alone)", async () => {
    const { key, agent, patient } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const write = (sql: string) => env.DB.prepare(sql).bind(patient.patient_id).run();
    // The patient row alone: no call row written.
    expect((await write(`UPDATE patients SET timezone = 'America/Denver' WHERE id = ?`)).meta.rows_written).toBe(1);
    expect((await write(`UPDATE patients SET first_name = first_name WHERE id = ?`)).meta.rows_written).toBe(1);
    // The patient row and their call.
    expect((await write(`UPDATE patients SET first_name = 'Joan' WHERE id = ?`)).meta.rows_written).toBe(2);
    expect(await embedOf(callId)).toMatchObject({ firstName: "Joan" });
  });

  it("is NULL once the patient is deleted (erased)", async () => {
    const { key, agent, patient } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    await playCall(callId);
    expect((await deletePatient(key, patient.patient_id)).status).toBe(200);
    expect(await embedOf(callId)).toBeNull();
    expect((await getCall(key, callId)).patient).toBeNull();
    // A row deleted any other way too (the trigger, not the erasure's own statement).
    const b = await setup();
    const callB = await placeCall(b.key, b.patient.patient_id, b.agent.id);
    await env.DB.prepare(`DELETE FROM patients WHERE id = ?`).bind(b.patient.patient_id).run();
    expect(await embedOf(callB)).toBeNull();
  });

  it("never reaches the archive, and an erased patient's calls keep none of their details in D1 or R2", async () => {
    const t = await tenantWithHistory();
    await api(`/api/v1/patients/${t.patient.patient_id}`, { method: "PATCH", key: t.key, json: { firstName: "Zelda", email: "zelda@example.com" } });
    expect(await embedOf(t.live)).toMatchObject({ firstName: "Zelda" });
    await runUntilDone(t.tenantId, Date.now() + 91 * DAY);
    expect(await rows(`SELECT id FROM calls WHERE id = ?`, t.ended)).toEqual([]);
    const archived = await archiveText(t.tenantId);
    expect(archived).toContain(t.ended);
    for (const phi of ["Zelda", "zelda@example.com", "1990-01-01"]) expect(archived).not.toContain(phi);
    // The archived call still embeds the patient as they are now (their row).
    expect((await getCall(t.key, t.ended)).patient).toMatchObject({ first_name: "Zelda" });

    await api(`/api/v1/calls/${t.live}`, { method: "DELETE", key: t.key });
    expect((await deletePatient(t.key, t.patient.patient_id)).status).toBe(200);
    await runUntilDone(t.tenantId, Date.now());
    expect(await embedOf(t.live)).toBeNull();
    const [live] = await rows(`SELECT * FROM calls WHERE id = ?`, t.live);
    for (const phi of ["Zelda", "zelda@example.com", "1990-01-01"]) expect(JSON.stringify(live)).not.toContain(phi);
    const erased = await archiveText(t.tenantId);
    for (const phi of ["Zelda", "zelda@example.com", "1990-01-01"]) expect(erased).not.toContain(phi);
    expect((await getCall(t.key, t.ended)).patient).toBeNull();
  });

  it("is filled for calls made before it existed by the migration's backfill", async () => {
    const { key, agent, patient } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const orphan = await setup();
    const orphanCall = await placeCall(orphan.key, orphan.patient.patient_id, orphan.agent.id);
    await env.DB.prepare(`DELETE FROM patients WHERE id = ?`).bind(orphan.patient.patient_id).run();
    await env.DB.prepare(`UPDATE calls SET patient = NULL WHERE id = ?`).bind(callId).run();
    await env.DB.prepare(`UPDATE calls SET patient = '{"stale":true}' WHERE id = ?`).bind(orphanCall).run();
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.endsWith("_read_rows.sql"))!;
    const backfill = migration.queries.find((q) => q.includes("UPDATE `calls` SET `patient` = ("))!;
    expect(backfill).toBeDefined();
    await env.DB.prepare(backfill).run();
    expect(await embedOf(callId)).toEqual({
      id: patient.patient_id, firstName: "Jane", lastName: "Doe", birthDate: "1990-01-01", email: null, phoneNumber: patient.phone_number,
    });
    expect((await getCall(key, callId)).patient).toEqual(wire(patient));
    // A call whose patient is gone gets none.
    expect(await embedOf(orphanCall)).toBeNull();
  });
});
