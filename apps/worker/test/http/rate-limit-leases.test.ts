import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TenantLimiter } from "../../src/objects/limiter/tenant-limiter";
import { tenantLimiter } from "../../src/objects/stubs";
import { DEFAULT_LIMITS, takeRequest } from "../../src/tenants/limits";
import { LEASE_TTL_MS } from "../../src/tenants/request-lease";
import { call, expectEnvelope, requestsUntilRefused } from "../helpers/http";
import { createTenant, patchTenant } from "../helpers/tenants";

/*
 * The requests budget through the real TenantLimiter: an isolate leases tokens from it and spends
 * them locally (tenants/request-lease.ts; the arithmetic with an injected clock is in
 * test/tenants/request-lease.test.ts). What the budget means to a client is unchanged
 * (test/http/rate-limits.test.ts).
 */

/** The tenant's requests bucket as its limiter stores it. */
async function requestTokens(tenantId: string): Promise<number> {
  return runInDurableObject(tenantLimiter(env, tenantId), async (_instance: TenantLimiter, state) => {
    const row = state.storage.sql.exec<{ tokens: number }>("SELECT tokens FROM buckets WHERE name = 'requests'").toArray()[0];
    return row?.tokens ?? NaN;
  });
}

afterEach(() => vi.restoreAllMocks());

describe("requests spent from a lease", () => {
  it("ask the tenant's limiter once per lease (a tenth of the burst), not once per request", async () => {
    const t = await createTenant();
    // 100 a second, bursts of 100: leases of 10.
    await patchTenant(t.id, { limits: { requestsPerSecond: 100, requestBurst: 100 } });
    const leasedAt = Date.now();
    expect((await call("/api/v1/patients", { key: t.apiKey })).status).toBe(200);
    const afterFirst = await requestTokens(t.id);
    expect(afterFirst).toBeGreaterThanOrEqual(90);
    expect(afterFirst).toBeLessThan(91);
    // Nine more spend the rest of the lease: the limiter is not asked (its bucket is as it was),
    // unless this shared machine took longer than a lease lives (then one more lease at most).
    for (let i = 0; i < 9; i++) expect((await call("/api/v1/patients", { key: t.apiKey })).status).toBe(200);
    if (Date.now() - leasedAt < LEASE_TTL_MS) expect(await requestTokens(t.id)).toBe(afterFirst);
    else expect(await requestTokens(t.id)).toBeGreaterThanOrEqual(afterFirst - 10);
  });

  it("a tenant with a burst of 2 is refused its 3rd immediate request, with Retry-After", async () => {
    const t = await createTenant();
    await patchTenant(t.id, { limits: { requestsPerSecond: 1, requestBurst: 2 } });
    // Two, plus one for each second the requests themselves took (a loaded machine refills between them).
    const { through, refused, seconds } = await requestsUntilRefused("/api/v1/patients", t.apiKey);
    expect(through).toBeGreaterThanOrEqual(2);
    expect(through).toBeLessThanOrEqual(2 + Math.floor(seconds));
    expectEnvelope(refused.body, 429, "/api/v1/patients", "GET", /1 requests per second \(bursts of 2\)/);
    expect(Number(refused.headers.get("Retry-After"))).toBe(1);
  });

  it("a limits change applies at once, though the tenant's isolate holds a lease taken under the old ones", async () => {
    const t = await createTenant();
    // The suite's defaults (bursts of 100,000): this request leases thousands of tokens.
    expect((await call("/api/v1/patients", { key: t.apiKey })).status).toBe(200);
    await patchTenant(t.id, { limits: { requestsPerSecond: 1, requestBurst: 2 } });
    // Not the thousands leased before: two, plus what the elapsed seconds refilled.
    const { through, seconds } = await requestsUntilRefused("/api/v1/patients", t.apiKey);
    expect(through).toBeGreaterThanOrEqual(2);
    expect(through).toBeLessThanOrEqual(2 + Math.floor(seconds));
  });

  it("let requests through, logged with the tenant id only, when the limiter cannot be reached", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = { LIMITERS: { idFromName: () => ({}), get: () => ({ lease: () => Promise.reject(new Error("limiter overloaded")) }) } };
    const limits = { ...DEFAULT_LIMITS, requestBurst: 1 };
    for (let i = 0; i < 3; i++) expect(await takeRequest(broken as never, "tenant-x", limits)).toEqual({ ok: true, remaining: 0 });
    expect(errors).toHaveBeenCalledTimes(3);
    expect(JSON.parse(String(errors.mock.calls[0]![0]))).toMatchObject({ level: "error", msg: "rate limiter unreachable; request let through", tenantId: "tenant-x", bucket: "requests" });
  });
});
