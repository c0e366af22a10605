import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, api, call, expectEnvelope } from "../helpers/http";
import { createTenant, setup } from "../helpers/tenants";

const MAX = 2 * 1024 * 1024;

describe("error envelope", () => {
  it("answers malformed JSON with 400 on every JSON route, never 500", async () => {
    const { key, tenant, patient, agent } = await setup();
    const routes: [string, string, Record<string, string>][] = [
      ["POST", "/api/v1/patients", { "X-API-Key": key }],
      ["PATCH", `/api/v1/patients/${patient.patient_id}`, { "X-API-Key": key }],
      ["POST", "/api/v1/agents", { "X-API-Key": key }],
      ["PATCH", `/api/v1/agents/${agent.id}`, { "X-API-Key": key }],
      ["POST", "/api/v1/calls", { "X-API-Key": key }],
      ["POST", "/admin/tenants", ADMIN],
      ["PATCH", `/admin/tenants/${tenant.id}`, ADMIN],
      ["POST", `/admin/tenants/${tenant.id}/keys`, ADMIN],
    ];
    for (const body of ["{", '{"firstName": }', "not json", "{'a': 1}", ""]) {
      for (const [method, path, headers] of routes) {
        const res = await call(path, { method, headers: { ...headers, "Content-Type": "application/json" }, body });
        expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
        expectEnvelope(res.body, 400, path, method);
      }
    }
    const res = await call("/api/v1/calls", { method: "POST", headers: { "X-API-Key": key, "Content-Type": "application/json" }, body: "{" });
    expect(res.body.error.message).toBe("Malformed JSON in request body");
  });

  it("answers wrong types with a 400 envelope naming the field", async () => {
    const { key, patient } = await setup();
    const cases: [string, string, unknown, RegExp][] = [
      ["POST", "/api/v1/patients", { firstName: ["J"], lastName: "D" }, /firstName/],
      ["POST", "/api/v1/patients", { firstName: "J", lastName: "D", birthDate: 19900101 }, /birthDate/],
      ["PATCH", `/api/v1/patients/${patient.patient_id}`, { email: false }, /email/],
      ["POST", "/api/v1/agents", { name: "A", provider: "simulator", maxDurationSeconds: "60" }, /maxDurationSeconds/],
      ["POST", "/api/v1/calls", { patients: [{ patientId: patient.patient_id }], agentId: 12 }, /agentId/],
      ["POST", "/api/v1/calls", { patients: [{ patientId: patient.patient_id }], agentId: patient.patient_id, recording: "true" }, /recording/],
      ["POST", "/api/v1/patients", "a string", /./],
      ["POST", "/api/v1/patients", null, /./],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await call(path, { method, key, json: body });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expectEnvelope(res.body, 400, path, method, message);
    }
  });

  it("refuses bodies over 2 MiB with a 413 envelope (declared or streamed)", async () => {
    const { key } = await setup();
    const big = JSON.stringify({ firstName: "x".repeat(MAX), lastName: "y" });
    const declared = await call("/api/v1/patients", { method: "POST", key, headers: { "Content-Type": "application/json" }, body: big });
    expect(declared.status).toBe(413);
    expectEnvelope(declared.body, 413, "/api/v1/patients", "POST", /too large/);

    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const streamed = await SELF.fetch("https://switchboard.test/api/v1/calls", {
      method: "POST",
      headers: { "X-API-Key": key, "Content-Type": "application/json" },
      body: stream,
    });
    expect(streamed.status).toBe(413);
    expectEnvelope(await streamed.json(), 413, "/api/v1/calls", "POST", /too large/);

    // just under the limit is read (and then judged on its content)
    const under = JSON.stringify({ firstName: "x".repeat(MAX - 100), lastName: "y" });
    const ok = await call("/api/v1/patients", { method: "POST", key, headers: { "Content-Type": "application/json" }, body: under });
    expect(ok.status).toBe(400);
    expect(ok.body.error.message).toMatch(/firstName is too long/);
  });

  it("answers unknown routes with a 404 envelope", async () => {
    const { apiKey: key } = await createTenant();
    for (const [method, path] of [["GET", "/nope"], ["POST", "/api/v2/calls"], ["GET", "/api/v1/nope"], ["PUT", "/api/v1/patients"], ["GET", "/api/v1/calls/a/b/c"]] as const) {
      const res = await call(path, { method, key });
      expect(res.status, `${method} ${path}`).toBe(404);
      expectEnvelope(res.body, 404, path, method, `No route for ${method} ${path}`);
    }
  });

  it("echoes the request id as X-Request-Id, and it matches the envelope", async () => {
    const res = await api("/nope");
    const body = await res.json<any>();
    expect(res.headers.get("X-Request-Id")).toBe(body.error.requestId);
    const other = await api("/nope");
    expect(other.headers.get("X-Request-Id")).not.toBe(body.error.requestId);
    const ok = await api("/");
    expect(ok.headers.get("X-Request-Id")).toMatch(/^req_\d+_[a-z0-9]+$/);
  });

  it("answers JSON content types only as JSON", async () => {
    const { apiKey: key } = await createTenant();
    const res = await call("/api/v1/patients", { method: "POST", key, headers: { "Content-Type": "text/plain" }, body: JSON.stringify({ firstName: "A", lastName: "B" }) });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectEnvelope(res.body, res.status, "/api/v1/patients", "POST");
  });
});
