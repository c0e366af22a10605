// `pnpm bench` only: the whole life of a campaign's calls (create → release → contact policy → each
// transition → end → webhooks → audit), and its floor: the same rows written again by bare INSERT
// and UPDATE statements, into the same tables (same indexes), in the same database.
import * as meter from "./d1-meter";

type Row = Record<string, unknown>;

const TERMINAL = new Set(["completed", "failed", "canceled"]);

/** Calls of the campaign not yet ended, and the tenant's webhook deliveries not yet settled. */
export async function lifeStatus(db: D1Database, tenantId: string, campaignId: string) {
  const [open, pending] = await db.batch<{ n: number }>([
    db.prepare("/*bench*/ SELECT count(*) AS n FROM calls WHERE campaign_id = ? AND status NOT IN ('completed', 'failed', 'canceled')").bind(campaignId),
    db.prepare("/*bench*/ SELECT count(*) AS n FROM webhook_deliveries WHERE tenant_id = ? AND status = 'pending'").bind(tenantId),
  ]);
  return { openCalls: open!.results[0]!.n, pendingDeliveries: pending!.results[0]!.n };
}

async function rows(db: D1Database, sql: string, ...binds: unknown[]): Promise<Row[]> {
  return (await db.prepare(`/*bench*/ ${sql}`).bind(...binds).all<Row>()).results;
}

/** `INSERT ... SELECT FROM json_each(?)`, 200 rows a statement: bare inserts, one sqlite_sequence write per statement as the API's bulk inserts. */
function inserts(db: D1Database, table: string, list: Row[]): D1PreparedStatement[] {
  if (!list.length) return [];
  const columns = Object.keys(list[0]!).filter((c) => c !== "id" || typeof list[0]!.id === "string");
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < list.length; i += 200) {
    out.push(
      db
        .prepare(`INSERT INTO ${table} (${columns.join(", ")}) SELECT ${columns.map((c) => `json_extract(value, '$.${c}')`).join(", ")} FROM json_each(?)`)
        .bind(JSON.stringify(list.slice(i, i + 200).map((r) => Object.fromEntries(columns.map((c) => [c, r[c]]))))),
    );
  }
  return out;
}

async function runAll(db: D1Database, statements: D1PreparedStatement[]) {
  for (let i = 0; i < statements.length; i += 100) await db.batch(statements.slice(i, i + 100));
}

/**
 * Reads back every row the campaign's life left in D1 (its campaign, calls, their history, audit
 * rows, the tenant's contact counters, webhook events, deliveries and attempts: the bench tenant
 * has nothing else), then writes the same rows again under new ids with bare statements: each row
 * inserted as it was first written (a call with its contact-policy decision, as the create request
 * decided it), one UPDATE of the call row per status transition (status, updated_at and the
 * columns that transition fills in), one UPDATE per delivery to its final state, the tenant's call
 * count raised once. Returns D1's
 * sums for those statements alone, and the bytes they added.
 */
export async function lifeFloor(db: D1Database, tenantId: string, campaignId: string) {
  const suffix = `-floor-${crypto.randomUUID().slice(0, 8)}`;
  const re = (id: unknown) => `${String(id)}${suffix}`;
  const [campaign] = await rows(db, "SELECT * FROM campaigns WHERE id = ?", campaignId);
  const calls = await rows(db, "SELECT * FROM calls WHERE campaign_id = ? ORDER BY created_at", campaignId);
  const events = await rows(db, "SELECT * FROM call_events WHERE call_id IN (SELECT id FROM calls WHERE campaign_id = ?) ORDER BY call_id, seq", campaignId);
  const audit = await rows(db, "SELECT * FROM audit_events WHERE tenant_id = ? AND object_id IN (SELECT id FROM calls WHERE campaign_id = ?)", tenantId, campaignId);
  const hookEvents = await rows(db, "SELECT * FROM webhook_events WHERE tenant_id = ?", tenantId);
  const deliveries = await rows(db, "SELECT * FROM webhook_deliveries WHERE tenant_id = ?", tenantId);
  const attempts = await rows(db, "SELECT * FROM webhook_attempts WHERE tenant_id = ?", tenantId);
  // The contact policy's counters: each dial records the contact (the bench tenant has no other contacts).
  const counters = await rows(db, "SELECT * FROM contact_counters WHERE tenant_id = ?", tenantId);
  if (!campaign || calls.length === 0) throw new Error("life-floor: the campaign left no rows");

  const statements: D1PreparedStatement[] = [];
  statements.push(...inserts(db, "campaigns", [{ ...campaign, id: re(campaign.id), status: "releasing" }]));
  statements.push(db.prepare("UPDATE campaigns SET status = ? WHERE id = ?").bind(campaign.status, re(campaign.id)));
  // Each call as the create request wrote it.
  statements.push(
    ...inserts(
      db,
      "calls",
      calls.map((c) => ({
        ...c, id: re(c.id), campaign_id: re(c.campaign_id), status: "queued", outcome: null, provider_call_id: null, final_report: null,
        transcript: null, recording_url: null, started_at: null, answered_at: null, ended_at: null, updated_at: c.created_at,
      })),
    ),
  );
  statements.push(...inserts(db, "call_events", events.map(({ id: _id, ...e }) => ({ ...e, call_id: re(e.call_id) }))));
  statements.push(...inserts(db, "audit_events", audit.map(({ id: _id, ...a }) => ({ ...a, object_id: re(a.object_id) }))));
  statements.push(db.prepare("UPDATE tenants SET calls_count = calls_count + ? WHERE id = ?").bind(calls.length, tenantId));
  // One UPDATE per status transition, setting what that transition changes.
  const byId = new Map(calls.map((c) => [c.id as string, c]));
  const seen = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.from_status === null || e.to_status === null) continue;
    const call = byId.get(e.call_id as string)!;
    const done = seen.get(call.id as string) ?? new Set<string>();
    seen.set(call.id as string, done);
    const to = e.to_status as string;
    const set: Row = { status: to, updated_at: e.at };
    const fill = (column: string) => {
      if (!done.has(column) && call[column] !== null) set[column] = call[column];
      done.add(column);
    };
    if (done.size === 0) ["provider", "provider_call_id"].forEach(fill);
    if (to === "dialing" || to === "in-progress") fill("started_at");
    if (to === "in-progress") fill("answered_at");
    if (to === "summarizing" || to === "awaiting-retry" || TERMINAL.has(to)) ["ended_at", "transcript"].forEach(fill);
    if (TERMINAL.has(to)) ["outcome", "final_report", "recording_url", "started_at", "answered_at"].forEach(fill);
    const columns = Object.keys(set);
    statements.push(
      db.prepare(`UPDATE calls SET ${columns.map((c) => `${c} = ?`).join(", ")} WHERE id = ?`).bind(...columns.map((c) => set[c] ?? null), re(call.id)),
    );
  }
  // Webhooks: each event and delivery inserted as emitted, each attempt, each delivery updated to where it ended.
  statements.push(...inserts(db, "webhook_events", hookEvents.map((e) => ({ ...e, id: re(e.id) }))));
  statements.push(
    ...inserts(
      db,
      "webhook_deliveries",
      deliveries.map((d) => ({
        ...d, id: re(d.id), event_id: re(d.event_id), status: "pending", attempts: 0, retry_step: 0, next_attempt_at: d.created_at,
        last_attempt_at: null, last_status_code: null, last_error: null, updated_at: d.created_at,
      })),
    ),
  );
  statements.push(...inserts(db, "webhook_attempts", attempts.map(({ id: _id, ...a }) => ({ ...a, delivery_id: re(a.delivery_id) }))));
  statements.push(...inserts(db, "contact_counters", counters.map((c) => ({ ...c, patient_id: re(c.patient_id) }))));
  for (let i = 0; i < deliveries.length; i += 200) {
    statements.push(
      db
        .prepare(
          `UPDATE webhook_deliveries SET status = json_extract(j.value, '$.status'), attempts = json_extract(j.value, '$.attempts'),
             retry_step = json_extract(j.value, '$.retry_step'), next_attempt_at = json_extract(j.value, '$.next_attempt_at'),
             last_attempt_at = json_extract(j.value, '$.last_attempt_at'), last_status_code = json_extract(j.value, '$.last_status_code'),
             last_error = json_extract(j.value, '$.last_error'), updated_at = json_extract(j.value, '$.updated_at')
           FROM json_each(?) AS j WHERE webhook_deliveries.id = json_extract(j.value, '$.id')`,
        )
        .bind(JSON.stringify(deliveries.slice(i, i + 200).map((d) => ({ ...d, id: re(d.id) })))),
    );
  }

  const before = await meter.read(db);
  meter.reset();
  await runAll(db, statements);
  const after = await meter.read(db);
  return {
    calls: calls.length,
    rows: {
      calls: calls.length, events: events.length, audit: audit.length, webhookEvents: hookEvents.length, deliveries: deliveries.length,
      attempts: attempts.length, counters: counters.length,
    },
    statements: after.statements,
    rowsRead: after.rowsRead,
    rowsWritten: after.rowsWritten,
    bytes: after.sizeBytes - before.sizeBytes,
  };
}
