import { describe, expect, it } from "vitest";
import { api } from "../helpers/http";

const ROUTES: [string, string[]][] = [
  ["/admin/tenants", ["post", "get"]],
  ["/admin/tenants/{tenantId}", ["get", "patch"]],
  ["/admin/tenants/{tenantId}/keys", ["post", "get"]],
  ["/admin/tenants/{tenantId}/keys/{keyId}", ["delete"]],
  ["/api/v1/patients", ["post", "get"]],
  ["/api/v1/patients/{patientId}", ["get", "patch", "delete"]],
  ["/api/v1/agents", ["post", "get"]],
  ["/api/v1/agents/{agentId}", ["get", "patch", "delete"]],
  ["/api/v1/calls", ["post", "get"]],
  ["/api/v1/calls/{callId}", ["get", "delete"]],
  ["/api/v1/calls/{callId}/events", ["get"]],
  ["/api/v1/calls/campaigns", ["get"]],
  ["/api/v1/calls/campaigns/{batchId}", ["get"]],
];

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 with every route and method", async () => {
    const res = await api("/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/application\/json/);
    const doc = await res.json<any>();
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    for (const [path, methods] of ROUTES) {
      expect(doc.paths, path).toHaveProperty([path]);
      expect(Object.keys(doc.paths[path]).sort(), path).toEqual([...methods].sort());
    }
    // Other surfaces (/v1, /v1.0, /comms, webhooks) add their own paths; each is pinned by its own suite.
  });

  it("declares the three tenant security schemes, and every /api/v1 operation uses them", async () => {
    const doc = await (await api("/openapi.json")).json<any>();
    const schemes = doc.components.securitySchemes;
    expect(schemes.ApiKeyAuth).toMatchObject({ type: "apiKey", in: "header", name: "X-API-Key" });
    expect(schemes.ApiKeyHeader).toMatchObject({ type: "apiKey", in: "header", name: "API-KEY" });
    expect(schemes.BearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (path.startsWith("/api/v1/")) {
          expect(op.security, `${method} ${path}`).toEqual([{ ApiKeyAuth: [] }, { ApiKeyHeader: [] }, { BearerAuth: [] }]);
          expect(op.responses, `${method} ${path}`).toHaveProperty("401");
        } else if (path.startsWith("/admin/")) {
          expect(op.security, `${method} ${path}`).toEqual([{ AdminToken: [] }]);
        }
      }
    }
  });

  it("documents the Calls API shapes", async () => {
    const doc = await (await api("/openapi.json")).json<any>();
    const create = doc.paths["/api/v1/calls"].post;
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["201", "400", "404"]));
    const call = doc.components.schemas.Call;
    expect(Object.keys(call.properties)).toEqual(
      expect.arrayContaining(["id", "status", "phone_number", "direction", "created_at", "started_at", "ended_at", "final_report", "batch_id", "agent_id", "duration", "patient", "client_metadata"]),
    );
    expect(doc.components.schemas.PatientValidationError).toBeDefined();
    expect(doc.paths["/api/v1/calls"].get.parameters.map((p: any) => p.name).sort()).toEqual(
      ["agent_id", "batch_id", "created_after", "created_before", "ended_after", "outcome", "patient_id", "size", "start", "status"],
    );
  });

  it("serves /docs as an HTML page pointing at /openapi.json", async () => {
    const res = await api("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/i);
    // Scalar's bundle comes from the worker's own assets and is pointed at /openapi.json (test/docs-offline.test.ts).
    expect(html).toContain('<script src="/docs/assets/scalar-api-reference.js"></script>');
  });
});

describe("Idempotency-Key in the OpenAPI document", () => {
  it("documents its 409 in each surface's own error shape", async () => {
    const doc = await (await api("/openapi.json")).json<any>();
    const ref = (path: string) => doc.paths[path].post.responses["409"].content["application/json"].schema;
    expect(ref("/api/v1/patients")).toEqual({ $ref: "#/components/schemas/Error" });
    // the surfaces document their own error bodies; the 409 must use the same one, not the /api/v1 envelope
    for (const path of ["/v1/calls/create", "/v1.0/aicalls", "/comms/call/ai"]) {
      const own = doc.paths[path].post.responses;
      const other = Object.entries<any>(own).find(([status, r]) => status !== "409" && status !== "422" && status >= "400" && r.content)?.[1];
      expect(ref(path), path).not.toEqual({ $ref: "#/components/schemas/Error" });
      if (other) expect(ref(path), path).toEqual(other.content["application/json"].schema);
    }
  });
});
