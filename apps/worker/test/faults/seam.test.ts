import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { faultReport, injectedFault, withFaults } from "../../src/lib/faults";
import { ADMIN, api, call, json } from "../helpers/http";
import { createPatient, createTenant } from "../helpers/tenants";
import { d1, faults } from "./helpers";

const production = { ...env, ENVIRONMENT: "production" };

/** The worker as deployed, with production's ENVIRONMENT. */
async function productionFetch(path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`https://switchboard.test${path}`, init) as never, production as never, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("fault injection seam", () => {
  const rules = faults();

  it("is inert in production: bindings untouched, no rule consulted, no route", async () => {
    const { apiKey } = await createTenant();
    rules.set({ site: "d1", effect: "error" }, { site: "simulator", effect: "status-5xx" });
    const wrapped = withFaults(production);
    expect(wrapped).toBe(production);
    expect(wrapped.DB).toBe(env.DB);
    expect(injectedFault(production, "simulator", "any")).toBeNull();
    expect(injectedFault(production, "d1", "SELECT")).toBeNull();

    // Every D1 statement would fail in test; in production the same request succeeds.
    const res = await productionFetch("/api/v1/patients", { headers: { "X-API-Key": apiKey } });
    expect(res.status).toBe(200);
    expect(faultReport().rules.every((r) => r.fired === 0)).toBe(true);

    const put = await productionFetch("/admin/faults", { method: "PUT", headers: { ...ADMIN, "Content-Type": "application/json" }, body: JSON.stringify({ rules: [] }) });
    expect(put.status).toBe(404);
    expect((await put.json()) as unknown).toMatchObject({ success: false, error: { status: 404, message: "No route for PUT /admin/faults" } });
    expect((await productionFetch("/admin/faults", { headers: ADMIN })).status).toBe(404);
  });

  it("in test, a D1 rule fails the statements it names, then stops", async () => {
    const tenant = await createTenant();
    rules.set(d1('insert into "patients"'));
    const failed = await call("/api/v1/patients", { method: "POST", key: tenant.apiKey, json: { firstName: "A", lastName: "B", phoneNumber: "+15555550100" } });
    expect(failed.status).toBe(500);
    expect(faultReport().rules[0]!.fired).toBe(1);
    await createPatient(tenant.apiKey);
  });

  it("error-after commits the statement and loses the answer", async () => {
    const tenant = await createTenant();
    rules.set(d1('insert into "patients"', "error-after"));
    const failed = await call("/api/v1/patients", { method: "POST", key: tenant.apiKey, json: { firstName: "A", lastName: "B", phoneNumber: "+15555550101" } });
    expect(failed.status).toBe(500);
    const list = await json(await api("/api/v1/patients", { key: tenant.apiKey }));
    expect(list.data).toHaveLength(1);
  });

  it("PUT /admin/faults sets the rules (development and test)", async () => {
    const res = await call("/admin/faults", { method: "PUT", headers: ADMIN, json: { rules: [{ site: "simulator", effect: "stall", ms: 10, times: 1 }] } });
    expect(res.status).toBe(200);
    expect(res.body.rules).toEqual([{ site: "simulator", effect: "stall", ms: 10, times: 1, fired: 0 }]);
    expect((await call("/admin/faults", { method: "PUT", headers: ADMIN, json: { rules: [{ site: "nowhere" }] } })).status).toBe(400);
    expect((await call("/admin/faults", { headers: {} })).status).toBe(401);
  });
});

