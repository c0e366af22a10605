import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PATIENT_FACTS_SQL } from "../../src/contact-policy/facts";
import { insertPatients } from "../helpers/seed";
import { createTenant } from "../helpers/tenants";

describe("the contact policy's facts of a create request's patients", () => {
  it("reads the patients named, not every patient of the tenant's", async () => {
    const small = await createTenant();
    const large = await createTenant();
    const few = await insertPatients(small.id, 5);
    await insertPatients(large.id, 2000);
    const named = await insertPatients(large.id, 5);
    const read = async (tenantId: string, ids: string[]) => {
      const result = await env.DB.prepare(PATIENT_FACTS_SQL).bind(tenantId, JSON.stringify(ids)).all();
      expect(result.results).toHaveLength(ids.length);
      return result.meta.rows_read;
    };
    const inSmall = await read(small.id, few);
    const inLarge = await read(large.id, named);
    // Each named patient by its id, with its counters row: the same for a tenant of 2,005 patients as
    // for one of 5 (the planner once walked the tenant's patients: 2,000+ rows for 5).
    expect(inLarge).toBe(inSmall);
    expect(inLarge).toBeLessThanOrEqual(5 * 3 + 5);
  });
});
