import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { tables } from "@switchboard/schemas";
import { auditQueries, auditStatements, recordReads, recordStatements, type AuditScope } from "../../src/audit/record";
import { createDb } from "../../src/lib/db";

/*
 * Audit rows are inserted from a VALUES list of positions into the ids' JSON array, not from
 * json_each (D1 counted a row read per id, plus the AUTOINCREMENT bookkeeping): recording any
 * number of reads reads no row, and writes one row (and its three index entries) per object.
 */

function scope(): AuditScope {
  return { tenantId: `t_${crypto.randomUUID()}`, actor: { type: "api_key", id: "key_1" }, requestId: `req_${crypto.randomUUID()}` };
}
const ids = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());
const trail = async (tenantId: string) =>
  (await env.DB.prepare(`SELECT action, object_type, object_id, actor_type, actor_id, request_id, detail, at FROM audit_events WHERE tenant_id = ? ORDER BY id`).bind(tenantId).all<any>()).results;

describe("audit rows without json_each", () => {
  it("records 1, 2, 100 and 1,200 reads: a row per object in order, no row read, 4 rows written each", async () => {
    for (const n of [1, 2, 100, 1200]) {
      const s = scope();
      const objects = ids(n);
      const statements = auditStatements(env.DB, s, "call.read", objects, { list: true });
      expect(statements).toHaveLength(Math.ceil(n / 500));
      const results = await env.DB.batch(statements);
      expect(results.reduce((sum, r) => sum + (r.meta.rows_read ?? 0), 0)).toBe(0);
      expect(results.reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0)).toBe(4 * n);
      const rows = await trail(s.tenantId);
      expect(rows.map((r) => r.object_id)).toEqual(objects);
      expect(rows[0]).toMatchObject({ action: "call.read", object_type: "call", actor_type: "api_key", actor_id: "key_1", request_id: s.requestId, detail: '{"list":true}' });
    }
  });

  it("recordReads writes nothing for no ids and fails when the row cannot be written", async () => {
    const s = scope();
    await recordReads(env.DB, s, "patient.read", []);
    expect(await trail(s.tenantId)).toEqual([]);
    await env.DB.prepare(`CREATE TRIGGER fail_this_tenant BEFORE INSERT ON audit_events WHEN NEW.tenant_id = '${s.tenantId}' BEGIN SELECT RAISE(ABORT, 'injected'); END`).run();
    try {
      await expect(recordReads(env.DB, s, "patient.read", ids(3))).rejects.toThrow(/injected/);
    } finally {
      await env.DB.prepare("DROP TRIGGER fail_this_tenant").run();
    }
    expect(await trail(s.tenantId)).toEqual([]);
  });

  it("`once` records each object once however often the batch runs; `onlyIf` records only when its condition holds", async () => {
    const s = scope();
    const objects = ids(3);
    const record = { ...s, action: "call.hung_up" as const, objectIds: objects };
    for (let i = 0; i < 3; i++) await env.DB.batch(recordStatements(env.DB, record, { at: 1234, once: true }));
    const one = { ...record, objectIds: [objects[0]!] };
    await env.DB.batch(recordStatements(env.DB, one, { at: 1234, once: true }));
    expect((await trail(s.tenantId)).map((r) => r.object_id)).toEqual(objects);

    const t = scope();
    const when = (holds: boolean) => ({ onlyIf: { sql: "?10 = 1", params: [holds ? 1 : 0] } });
    await env.DB.batch(auditStatements(env.DB, t, "call.read", "a", undefined, when(false)));
    await env.DB.batch(auditStatements(env.DB, t, "call.read", ["b", "c"], undefined, when(true)));
    expect((await trail(t.tenantId)).map((r) => r.object_id)).toEqual(["b", "c"]);
  });

  it("auditQueries (drizzle batches) write the same rows, and `onlyIfChanged` follows the statement before", async () => {
    const db = createDb(env.DB);
    const s = scope();
    const objects = ids(3);
    await db.batch([...auditQueries(db, s, "patient.updated", objects[0]!, { fields: ["firstName"] }), ...auditQueries(db, s, "call.created", objects, { batchId: "b" })] as never);
    const rows = await trail(s.tenantId);
    expect(rows.map((r) => [r.action, r.object_id, r.detail])).toEqual([
      ["patient.updated", objects[0], '{"fields":["firstName"]}'],
      ...objects.map((id) => ["call.created", id, '{"batchId":"b"}']),
    ]);

    const t = scope();
    const nothing = db.update(tables.patients).set({ firstName: "x" }).where(eq(tables.patients.id, "none"));
    await db.batch([nothing, ...auditQueries(db, t, "patient.updated", ["p1", "p2"], undefined, { onlyIfChanged: true })] as never);
    expect(await trail(t.tenantId)).toEqual([]);
  });
});
