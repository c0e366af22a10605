import { getTableColumns, getTableName, type Table } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import { describe, expect, it } from "vitest";
// The list scripts/move-tenant.mjs copies a tenant by.
import { CONTROL_PLANE_TABLES, TENANT_TABLES } from "../../../../scripts/lib/tenant-tables.mjs";

describe("moving a tenant copies every table that holds tenant data", () => {
  it("lists every table with a tenant_id column (or the tenants table itself), parents before children", () => {
    const listed = new Set<string>([...TENANT_TABLES.map((t: { name: string }) => t.name), ...CONTROL_PLANE_TABLES]);
    const all = Object.values(tables as Record<string, unknown>).filter((t): t is Table => typeof t === "object" && t !== null && "getSQL" in (t as object));
    const holding = all.filter((t) => Object.values(getTableColumns(t)).some((c) => c.name === "tenant_id" || c.name === "message_id")).map((t) => getTableName(t));
    expect(holding.filter((name) => !listed.has(name))).toEqual([]);
    const order = TENANT_TABLES.map((t: { name: string }) => t.name);
    expect(order.indexOf("messages")).toBeLessThan(order.indexOf("message_sends"));
    expect(order[0]).toBe("tenants");
  });
});
