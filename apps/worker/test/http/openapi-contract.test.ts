import { describe, expect, it } from "vitest";
import committed from "../../../../packages/sdk/openapi.json";
import { api } from "../helpers/http";

const METHODS = ["get", "put", "post", "delete", "patch"];

async function served(): Promise<any> {
  const res = await api("/openapi.json");
  expect(res.status).toBe(200);
  return res.json();
}

/** Every operation of the document, paths and webhooks alike. */
function operations(doc: any): { where: string; op: any }[] {
  const out: { where: string; op: any }[] = [];
  for (const section of ["paths", "webhooks"]) {
    for (const [path, item] of Object.entries<any>(doc[section] ?? {})) {
      for (const method of METHODS) if (item[method]) out.push({ where: `${section} ${method.toUpperCase()} ${path}`, op: item[method] });
    }
  }
  return out;
}

describe("the OpenAPI document as a contract", () => {
  it("is the one the SDK is generated from (packages/sdk/openapi.json): run `pnpm sdk:generate` after changing a route", async () => {
    expect(await served()).toEqual(committed);
  });

  it("gives every operation a unique camelCase operationId", async () => {
    const ops = operations(await served());
    expect(ops.length).toBeGreaterThan(70);
    const ids = ops.map(({ op }) => op.operationId);
    for (const { where, op } of ops) expect(op.operationId, where).toMatch(/^[a-z][a-zA-Z0-9]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("states security on every operation: explicitly none only where the credential is a signature", async () => {
    const open = operations(await served()).filter(({ op }) => Array.isArray(op.security) && op.security.length === 0).map(({ where }) => where);
    expect(open.sort()).toEqual(
      [
        "paths GET /exports/{tenantId}/{exportId}",
        "paths GET /files/{fileId}",
        "paths POST /webhooks/twilio/{tenantId}/inbound",
        "paths POST /webhooks/twilio/{tenantId}/messages/{messageId}/status",
        "paths POST /webhooks/{provider}/{token}",
        ...[
          "call.completed", "call.created", "call.deferred", "call.failed", "call.refused", "call.status_changed",
          "campaign.completed", "campaign.paused", "campaign.resumed",
          "message.deferred", "message.received", "message.refused", "message.status_changed", "patient.opted_out",
        ].map(
          (t) => `webhooks POST ${t}`,
        ),
      ].sort(),
    );
    for (const { where, op } of operations(await served())) expect(Array.isArray(op.security), where).toBe(true);
  });

  it("names a server relative to wherever it is served from", async () => {
    expect((await served()).servers).toEqual([{ url: "/", description: "This deployment" }]);
  });
});
