import { describe, expect, it } from "vitest";
import { call, expectEnvelope } from "../../helpers/http";
import { createAgent, createPatient, createTenant, setup } from "../../helpers/tenants";
import { hangup, placeCall } from "../../helpers/calls";
import { sleep } from "../../helpers/wait";
import { playCall } from "../../helpers/objects";

const PATH = "/api/v1/agents";

describe("agents", () => {
  it("creates an agent with defaults filled in", async () => {
    const { apiKey: key } = await createTenant();
    const res = await call(PATH, { method: "POST", key, json: { name: "Reminder", provider: "simulator" } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: "Reminder",
      provider: "simulator",
      providers: [{ provider: "simulator", agent: null }],
      prompt: null,
      greeting: null,
      assistantType: null,
      voice: null,
      language: "en-US",
      model: null,
      ttsProvider: null,
      sttProvider: null,
      maxDurationSeconds: 900,
      simulator: null,
      retry: { maxAttempts: 1, spacingMinutes: 60, on: ["no_answer", "busy", "voicemail"] },
      purpose: "appointment_reminder",
      allowedPurposes: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it("keeps every setting it is given", async () => {
    const { apiKey: key } = await createTenant();
    const body = {
      name: "Biller",
      provider: "simulator",
      prompt: "Be kind",
      greeting: "Hello!",
      assistantType: "BILLER",
      voice: "alloy",
      language: "es-MX",
      model: "openai.gpt-4o",
      ttsProvider: "openai",
      sttProvider: "deepgram",
      maxDurationSeconds: 120,
      simulator: { outcome: "voicemail", durationMs: 500 },
    };
    const res = await call(PATH, { method: "POST", key, json: body });
    expect(res.status).toBe(201);
    const { provider: _p, ...settings } = body;
    expect(res.body).toMatchObject(settings);
    expect((await call(`${PATH}/${res.body.id}`, { key })).body).toEqual(res.body);
  });

  it("rejects invalid agents with 400", async () => {
    const { apiKey: key } = await createTenant();
    for (const body of [
      { provider: "simulator" },
      { name: "", provider: "simulator" },
      { name: "A" },
      { name: "A", provider: "acme" },
      { name: "A", provider: "simulator", assistantType: "CHEF" },
      { name: "A", provider: "simulator", maxDurationSeconds: 5 },
      { name: "A", provider: "simulator", simulator: { outcome: "dropped" } },
      { name: "A", provider: "simulator", simulator: { durationMs: -1 } },
    ]) {
      const res = await call(PATH, { method: "POST", key, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectEnvelope(res.body, 400, PATH, "POST");
    }
    expect((await call(PATH, { key })).body.pagination.total).toBe(0);
  });

  it("lists newest first with pagination and gets one", async () => {
    const { apiKey: key } = await createTenant();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await createAgent(key, { name: `A${i}` })).id);
      await sleep(2);
    }
    const page1 = await call(`${PATH}?size=2`, { key });
    expect(page1.body.data.map((a: any) => a.id)).toEqual([ids[2], ids[1]]);
    expect(page1.body.pagination).toEqual({ start: 1, requested_size: 2, returned_count: 2, total: 3, hasMore: true });
    const page2 = await call(`${PATH}?size=2&start=3`, { key });
    expect(page2.body.data.map((a: any) => a.id)).toEqual([ids[0]]);
    expect(page2.body.pagination.hasMore).toBe(false);
    const missing = await call(`${PATH}/99999999-9999-4999-8999-999999999999`, { key });
    expect(missing.status).toBe(404);
    expectEnvelope(missing.body, 404, `${PATH}/99999999-9999-4999-8999-999999999999`, "GET", "Agent not found");
  });

  it("updates only the fields sent", async () => {
    const { apiKey: key } = await createTenant();
    const agent = await createAgent(key, { prompt: "Original", voice: "alloy" });
    const res = await call(`${PATH}/${agent.id}`, { method: "PATCH", key, json: { name: "Renamed", greeting: null } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...agent, name: "Renamed", greeting: null, updatedAt: expect.any(String) });
    expect((await call(`${PATH}/${agent.id}`, { key })).body).toEqual(res.body);

    const bad = await call(`${PATH}/${agent.id}`, { method: "PATCH", key, json: { provider: "acme" } });
    expect(bad.status).toBe(400);
    const missing = await call(`${PATH}/99999999-9999-4999-8999-999999999999`, { method: "PATCH", key, json: { name: "X" } });
    expect(missing.status).toBe(404);
  });

  it("a partial nested update keeps the stored nested fields", async () => {
    const { apiKey: key } = await createTenant();
    const agent = await createAgent(key, { simulator: { outcome: "voicemail", durationMs: 500 }, retry: { maxAttempts: 3, spacingMinutes: 5 } });
    const sim = await call(`${PATH}/${agent.id}`, { method: "PATCH", key, json: { simulator: { outcome: "busy" } } });
    expect(sim.status).toBe(200);
    expect(sim.body.simulator).toEqual({ outcome: "busy", durationMs: 500 });
    expect(sim.body.retry).toEqual({ maxAttempts: 3, spacingMinutes: 5, on: ["no_answer", "busy", "voicemail"] });

    const retry = await call(`${PATH}/${agent.id}`, { method: "PATCH", key, json: { retry: { on: ["busy"] } } });
    expect(retry.body.retry).toEqual({ maxAttempts: 3, spacingMinutes: 5, on: ["busy"] });
    expect(retry.body.simulator).toEqual({ outcome: "busy", durationMs: 500 });
    expect((await call(`${PATH}/${agent.id}`, { key })).body).toEqual(retry.body);

    // Nothing stored yet: the fields not sent take their defaults.
    const bare = await createAgent(key, { simulator: undefined });
    expect(bare.simulator).toBeNull();
    const first = await call(`${PATH}/${bare.id}`, { method: "PATCH", key, json: { simulator: { durationMs: 250 } } });
    expect(first.body.simulator).toEqual({ outcome: "human", durationMs: 250 });
    const bad = await call(`${PATH}/${bare.id}`, { method: "PATCH", key, json: { simulator: { durationMs: -1 } } });
    expect(bad.status).toBe(400);
  });

  it("deletes an agent without calls", async () => {
    const { apiKey: key } = await createTenant();
    const agent = await createAgent(key);
    const res = await call(`${PATH}/${agent.id}`, { method: "DELETE", key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: agent.id, deleted: true });
    expect((await call(`${PATH}/${agent.id}`, { key })).status).toBe(404);
    const again = await call(`${PATH}/${agent.id}`, { method: "DELETE", key });
    expect(again.status).toBe(404);
  });

  it("refuses to delete an agent with a live call (409), and allows it once the call is hung up", async () => {
    const { key, patient, agent } = await setup();
    const callId = await placeCall(key, patient.patient_id, agent.id);
    const busy = await call(`${PATH}/${agent.id}`, { method: "DELETE", key });
    expect(busy.status).toBe(409);
    expectEnvelope(busy.body, 409, `${PATH}/${agent.id}`, "DELETE", /live or waiting calls/);
    expect((await call(`${PATH}/${agent.id}`, { key })).status).toBe(200);

    expect((await hangup(key, callId)).status).toBe(200);
    const res = await call(`${PATH}/${agent.id}`, { method: "DELETE", key });
    expect(res.status).toBe(200);
    expect((await call(`${PATH}/${agent.id}`, { key })).status).toBe(404);
  });

  it("allows the delete once a call ends by itself", async () => {
    // Long enough to still be live when the DELETE arrives (every request also passes the tenant's rate limiter).
    const { key, patient, agent } = await setup({ simulator: { durationMs: 1_500 } });
    const callId = await placeCall(key, patient.patient_id, agent.id);
    expect((await call(`${PATH}/${agent.id}`, { method: "DELETE", key })).status).toBe(409);
    await playCall(callId, "completed");
    expect((await call(`${PATH}/${agent.id}`, { method: "DELETE", key })).status).toBe(200);
  });

  it("refuses to delete an agent with a scheduled call (409)", async () => {
    const { key, patient, agent } = await setup();
    await placeCall(key, patient.patient_id, agent.id, { scheduledAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await call(`${PATH}/${agent.id}`, { method: "DELETE", key })).status).toBe(409);
  });

  it("another agent's calls do not block a delete", async () => {
    const { key, patient, agent } = await setup();
    const idle = await createAgent(key, { name: "Idle" });
    await placeCall(key, patient.patient_id, agent.id);
    await createPatient(key);
    expect((await call(`${PATH}/${idle.id}`, { method: "DELETE", key })).status).toBe(200);
  });
});
