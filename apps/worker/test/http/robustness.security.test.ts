import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, api } from "../helpers/http";
import { createAgent, createPatient, createTenant } from "../helpers/tenants";
import { placeCall } from "../helpers/calls";

// Every documented operation, fed every kind of bad input a client (or an attacker) sends: the answer
// is always a 4xx (or a success that ignored the junk), never a 500, and in the surface's own shape.

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: string; required?: boolean; schema?: any }[];
  body?: { contentType: string; schema: any };
}

interface Sent {
  label: string;
  path: string;
  init: RequestInit;
}

const OVERSIZED = 2 * 1024 * 1024 + 1024;
// (A literal "../" is resolved by the URL parser before the worker sees it: only the encoded form reaches a route.)
const GARBAGE_IDS = ["unknown-id", "%00", "..%2F..%2Fetc%2Fpasswd", "..%2F", "a".repeat(10 * 1024), "%E2%80%AE%ZZ", "null"];
const ABSURD_QUERY = ["-1", "abc", "1e309", "garbage!!", "", "%00", "9".repeat(400)];

let key: string;
let tenantId: string;
let spec: any;
/** Ids of things that exist, so bad bodies and queries also reach handlers past their lookups. */
let realIds: Record<string, string>;

beforeAll(async () => {
  const tenant = await createTenant("Robustness");
  key = tenant.apiKey;
  tenantId = tenant.id;
  spec = await (await api("/openapi.json")).json();
  const patient = await createPatient(key);
  const agent = await createAgent(key);
  const callId = await placeCall(key, patient.patient_id, agent.id);
  const user = await (await api("/api/v1/users", { method: "POST", key, json: { name: "Staff", email: "staff@example.test" } })).json<any>();
  realIds = { tenantId, patientId: patient.patient_id, agentId: agent.id, callId, id: callId, userId: user?.id ?? "none", provider: "retell", keyId: tenant.apiKeyId };
});

function resolve(schema: any): any {
  if (schema?.$ref) return resolve(spec.components.schemas[schema.$ref.split("/").pop()]);
  return schema ?? {};
}

function operations(): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(spec.paths)) {
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      const op = item[method];
      if (!op) continue;
      const content = op.requestBody?.content ?? {};
      const contentType = Object.keys(content)[0];
      ops.push({
        method: method.toUpperCase(),
        path,
        params: [...(item.parameters ?? []), ...(op.parameters ?? [])],
        body: contentType ? { contentType, schema: resolve(content[contentType].schema) } : undefined,
      });
    }
  }
  return ops;
}

function authFor(path: string): Record<string, string> {
  if (path.startsWith("/admin")) return ADMIN;
  if (path.startsWith("/comms")) return { "X-API-Key": key, TENANT: tenantId };
  if (path.startsWith("/api/v1") || path.startsWith("/v1")) return { "X-API-Key": key };
  return {};
}

function fill(path: string, id: string): string {
  return path.replace(/\{[^}]+\}/g, id);
}

/** The path with every parameter this suite has a real value for filled with it. */
function fillReal(path: string): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => realIds[name] ?? "unknown-id");
}

/** A value of the wrong JSON type for `schema`. */
function wrongType(schema: any): unknown {
  const s = resolve(schema);
  const type = s.type ?? (s.anyOf || s.oneOf ? "union" : "object");
  switch (type) {
    case "string":
      return 12345;
    case "number":
    case "integer":
      return "not-a-number";
    case "boolean":
      return "yes";
    case "array":
      return { not: "an array" };
    default:
      return "not-an-object";
  }
}

function requests(op: Operation): Sent[] {
  const auth = authFor(op.path);
  const sent: Sent[] = [];
  const hasPathParams = op.path.includes("{");
  const basePath = fill(op.path, "unknown-id");
  const send = (label: string, path: string, init: RequestInit = {}) =>
    sent.push({ label, path, init: { method: op.method, ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } } });

  if (hasPathParams) for (const id of GARBAGE_IDS) send(`path param ${id.slice(0, 20)}`, fill(op.path, id));
  for (const param of op.params.filter((p) => p.in === "query")) {
    for (const value of ABSURD_QUERY) {
      send(`query ${param.name}=${value.slice(0, 20)}`, `${basePath}?${param.name}=${encodeURIComponent(value)}`);
      // Only reads: a DELETE on the real tenant would leave the rest of the table unauthenticated.
      if (op.method === "GET") send(`real ids, query ${param.name}=${value.slice(0, 20)}`, `${fillReal(op.path)}?${param.name}=${encodeURIComponent(value)}`);
    }
  }
  // Names every API on this service uses for paging, whether documented for the route or not.
  for (const q of ["size=-1", "size=abc", "start=1e309", "page_token=garbage", "limit=-5", "page_size=1e309", "cursor=%00"]) send(`query ${q}`, `${basePath}?${q}`);

  if (op.method !== "GET" && op.method !== "DELETE") {
    const json = { "Content-Type": "application/json" };
    send("malformed JSON", basePath, { headers: json, body: '{"a": ' });
    send("JSON array", basePath, { headers: json, body: "[1,2,3]" });
    send("JSON string", basePath, { headers: json, body: '"hello"' });
    send("JSON null", basePath, { headers: json, body: "null" });
    send("empty JSON body", basePath, { headers: json, body: "" });
    send("no body, no content type", basePath);
    send("text/plain body", basePath, { headers: { "Content-Type": "text/plain" }, body: "hello" });
    send("oversized body", basePath, { headers: json, body: `{"x":"${"a".repeat(OVERSIZED)}"}` });
    const schema = op.body?.schema;
    const required: string[] = schema?.required ?? [];
    if (op.body?.contentType === "application/json" && schema?.properties) {
      for (const field of required) send(`wrong type for ${field}`, basePath, { headers: json, body: JSON.stringify({ [field]: wrongType(schema.properties[field]) }) });
      send("every required field wrong", basePath, {
        headers: json,
        body: JSON.stringify(Object.fromEntries(required.map((f) => [f, wrongType(schema.properties[f])]))),
      });
    }
    if (op.body?.contentType === "application/json" && schema?.properties) {
      // Against things that exist: each property null, the wrong type, or a 10 KB string.
      const realPath = fillReal(op.path);
      for (const [field, prop] of Object.entries<any>(schema.properties)) {
        send(`real ids, ${field}: null`, realPath, { headers: json, body: JSON.stringify({ [field]: null }) });
        send(`real ids, ${field}: wrong type`, realPath, { headers: json, body: JSON.stringify({ [field]: wrongType(prop) }) });
        send(`real ids, ${field}: 10 KB`, realPath, { headers: json, body: JSON.stringify({ [field]: "x".repeat(10 * 1024) }) });
      }
      send("real ids, array", realPath, { headers: json, body: "[]" });
      send("real ids, malformed", realPath, { headers: json, body: "{" });
    }
    if (op.body?.contentType === "multipart/form-data") {
      send("malformed multipart", basePath, { headers: { "Content-Type": "multipart/form-data; boundary=xyz" }, body: "--xyz\r\nContent-Disposition: form-data\r\n\r\nbroken" });
      send("multipart without boundary", basePath, { headers: { "Content-Type": "multipart/form-data" }, body: "garbage" });
      send("multipart, wrong types", basePath, {
        headers: { "Content-Type": "multipart/form-data; boundary=xyz" },
        body: `--xyz\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n${"\u0000".repeat(3)}\r\n--xyz\r\nContent-Disposition: form-data; name="files"\r\n\r\nnot a file\r\n--xyz--\r\n`,
      });
      send("oversized multipart", basePath, {
        headers: { "Content-Type": "multipart/form-data; boundary=xyz" },
        body: `--xyz\r\nContent-Disposition: form-data; name="files"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n${"a".repeat(6 * 1024 * 1024)}\r\n--xyz--\r\n`,
      });
    }
    if (op.body?.contentType === "application/x-www-form-urlencoded") {
      send("form, garbage", basePath, { headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "%%%=&&=%ZZ" });
    }
  }
  return sent;
}

const ENVELOPE_KEYS = ["message", "method", "path", "requestId", "status", "timestamp"];

/** The error shape `path` answers in (read from apps/worker/src/surfaces and errors.ts). */
function expectSurfaceShape(op: Operation, status: number, body: any, where: string) {
  if (op.path.startsWith("/comms") || (op.path.startsWith("/v1/") && !op.path.startsWith("/v1.0"))) {
    expect(body, where).toHaveProperty("detail");
    expect(Object.keys(body), where).toEqual(["detail"]);
    return;
  }
  if (op.path.startsWith("/v1.0")) {
    expect(Object.keys(body), where).toEqual(["error"]);
    expect(Object.keys(body.error).sort(), where).toEqual(["message", "reason", "request_id", "status"]);
    return;
  }
  if (op.method === "POST" && op.path === "/api/v1/calls" && body?.success === false && Array.isArray(body?.errors ?? body?.error?.errors)) return;
  expect(body?.success, where).toBe(false);
  expect(Object.keys(body.error).sort(), where).toEqual(expect.arrayContaining(ENVELOPE_KEYS));
  expect(body.error.status, where).toBe(status);
}

describe("bad input on every documented operation", () => {
  it("finds the operations of every surface", () => {
    const paths = operations().map((o) => o.path);
    for (const prefix of ["/admin/", "/api/v1/", "/comms/", "/v1/", "/v1.0/", "/webhooks/", "/files/"]) {
      expect(paths.some((p) => p.startsWith(prefix)), prefix).toBe(true);
    }
  });

  it("never answers 500, and answers errors in the surface's own shape", async () => {
    const failures: string[] = [];
    let count = 0;
    for (const op of operations()) {
      for (const r of requests(op)) {
        count += 1;
        const res = await api(r.path, r.init as never);
        const text = await res.text();
        const where = `${op.method} ${op.path} [${r.label}] -> ${res.status} ${text.slice(0, 300)}`;
        if (res.status >= 500) {
          failures.push(where);
          continue;
        }
        if (res.status >= 400 && res.status !== 410) {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            failures.push(`${where} (not JSON)`);
            continue;
          }
          try {
            expectSurfaceShape(op, res.status, body, where);
          } catch {
            failures.push(`${where} (shape)`);
          }
        }
      }
    }
    expect(count).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  }, 300_000);
});
