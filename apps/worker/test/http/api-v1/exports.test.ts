import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { exportKey, purgeExports } from "../../../src/lifecycle/exports";
import { signedExportUrl } from "../../../src/messages/file-links";
import { placeCall } from "../../helpers/calls";
import { BASE, call, expectEnvelope } from "../../helpers/http";
import { playCall } from "../../helpers/objects";
import { patchTenant } from "../../helpers/tenants";
import { DAY, runUntilDone, tenantWithHistory, today } from "../../helpers/lifecycle";

async function download(url: string) {
  const res = await SELF.fetch(url);
  if (res.status !== 200) return { status: res.status, records: [] as any[] };
  const text = await new Response(res.body!.pipeThrough(new DecompressionStream("gzip"))).text();
  return { status: res.status, headers: res.headers, records: text.split("\n").filter(Boolean).map((l) => JSON.parse(l)) };
}

describe("POST /api/v1/exports", () => {
  it("exports a date range, archived and hot alike, through a signed link that needs no key", async () => {
    const t = await tenantWithHistory();
    await patchTenant(t.tenantId, { hotWindowDays: 7 });
    // The call archived (R2) and one more ended call still in D1, on the same day.
    await runUntilDone(t.tenantId, Date.now() + 8 * DAY);
    const hot = await placeCall(t.key, t.patient.patient_id, t.agent.id);
    await playCall(hot);

    const res = await call("/api/v1/exports", { method: "POST", key: t.key, json: { from: today(), to: today() } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^exp_/), from: today(), to: today(), records: expect.any(Number), url: expect.stringContaining(`${BASE}/exports/${t.tenantId}/`) });
    expect(Date.parse(res.body.expires_at) - Date.now()).toBeGreaterThan(50 * 60_000);

    const file = await download(res.body.url);
    expect(file.status).toBe(200);
    expect(file.headers!.get("Cache-Control")).toContain("no-store");
    expect(file.records).toHaveLength(res.body.records);
    const calls = file.records.filter((r) => r.kind === "call").map((r) => r.id);
    expect(calls).toEqual(expect.arrayContaining([t.ended, hot]));
    expect(file.records.some((r) => r.kind === "call_event" && r.row.call_id === hot)).toBe(true);
    expect(file.records.some((r) => r.kind === "message" && r.id === t.messageId)).toBe(true);
    expect(file.records.every((r) => r.row.tenant_id === undefined || r.row.tenant_id === t.tenantId)).toBe(true);
    // Making it and reading it are both in the tenant's audit trail.
    const trail = await call("/api/v1/audit-events?size=100", { key: t.key });
    const about = trail.body.data.filter((e: any) => e.objectId === res.body.id || e.object_id === res.body.id).map((e: any) => e.action);
    expect(about.sort()).toEqual(["export.created", "export.read"]);
  });

  it("refuses a tampered, foreign or expired link", async () => {
    const t = await tenantWithHistory();
    const res = await call("/api/v1/exports", { method: "POST", key: t.key, json: { from: today(), to: today() } });
    const url = new URL(res.body.url);
    url.searchParams.set("signature", url.searchParams.get("signature")!.replace(/^./, (c) => (c === "A" ? "B" : "A")));
    expect((await download(url.toString())).status).toBe(403);
    const other = new URL(res.body.url.replace(t.tenantId, crypto.randomUUID()));
    expect((await download(other.toString())).status).toBe(403);
    const id = res.body.id as string;
    const expired = await signedExportUrl(BASE, env.FILES_SIGNING_KEY!, t.tenantId, id, Date.now() - 2 * 3600_000);
    expect((await download(expired.url)).status).toBe(410);
  });

  it("deletes export files a day after they were made (they hold PHI)", async () => {
    const t = await tenantWithHistory();
    const res = await call("/api/v1/exports", { method: "POST", key: t.key, json: { from: today(), to: today() } });
    expect(await env.FILES.head(exportKey(t.tenantId, res.body.id))).not.toBeNull();
    expect(await purgeExports(env.FILES, t.tenantId, Date.now())).toBe(0);
    expect(await purgeExports(env.FILES, t.tenantId, Date.now() + DAY + 1000)).toBe(1);
    expect(await env.FILES.head(exportKey(t.tenantId, res.body.id))).toBeNull();
    expect((await download(res.body.url)).status).toBe(404);
  });

  it("validates the range (400 envelope) and requires a key", async () => {
    const t = await tenantWithHistory();
    const bad = [{}, { from: "2026-01-02" }, { from: "2026-13-01", to: "2026-13-02" }, { from: "yesterday", to: "today" }, { from: "2026-02-01", to: "2026-01-01" }, { from: "2026-01-01", to: "2026-03-01" }];
    for (const body of bad) {
      const res = await call("/api/v1/exports", { method: "POST", key: t.key, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectEnvelope(res.body, 400, "/api/v1/exports", "POST");
    }
    expect((await call("/api/v1/exports", { method: "POST", json: { from: today(), to: today() } })).status).toBe(401);
  });

  it("is documented with an operationId and security", async () => {
    const doc = (await call("/openapi.json")).body;
    expect(doc.paths["/api/v1/exports"].post).toMatchObject({ operationId: "createExport", security: expect.any(Array) });
    expect(doc.paths["/exports/{tenantId}/{exportId}"].get).toMatchObject({ operationId: "downloadExport" });
  });
});
