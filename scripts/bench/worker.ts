// The API worker with measuring routes for `pnpm bench` (scripts/bench.mjs). Local only.
import api from "../../apps/worker/src/index";
import { releaseDueCalls } from "../../apps/worker/src/campaigns/release";
import type { Env } from "../../apps/worker/src/env";

export { CallObject, Internal, TenantDispatcher, TenantLimiter } from "../../apps/worker/src/index";

const CALL_COLUMNS = [
  "id", "tenant_id", "campaign_id", "agent_id", "patient_id", "phone_number", "status", "outcome", "provider",
  "provider_call_id", "reason", "recording", "client_metadata", "final_report", "transcript", "scheduled_at",
  "created_at", "started_at", "ended_at", "updated_at",
];
const EVENT_COLUMNS = ["call_id", "tenant_id", "seq", "type", "from_status", "to_status", "detail", "at"];

type Row = Record<string, unknown>;

/** The rows `POST /api/v1/calls` writes for these patients: a campaign, a call and a `created` event each. */
async function rowsFor(env: Env, body: { tenantId: string; agentId: string; patientIds: string[]; status?: string; scheduledAt?: number | null }) {
  const now = Date.now();
  const phones = new Map<string, string>();
  for (let i = 0; i < body.patientIds.length; i += 2000) {
    const part = body.patientIds.slice(i, i + 2000);
    const rows = await env.DB.prepare("SELECT id, phone_number FROM patients WHERE id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(part))
      .all<{ id: string; phone_number: string }>();
    for (const r of rows.results) phones.set(r.id, r.phone_number);
  }
  const batchId = crypto.randomUUID();
  const status = body.status ?? "queued";
  const scheduledAt = body.scheduledAt ?? null;
  const calls: Row[] = body.patientIds.map((patientId, i) => ({
    id: crypto.randomUUID(), tenant_id: body.tenantId, campaign_id: batchId, agent_id: body.agentId, patient_id: patientId,
    phone_number: phones.get(patientId), status, outcome: null, provider: "simulator", provider_call_id: null, reason: "bench",
    recording: 1, client_metadata: JSON.stringify({ appointment: { name: "General Check Up", start_time: "Dec 2 at 10:30 AM" } }),
    final_report: null, transcript: null, scheduled_at: scheduledAt, created_at: now + i, started_at: null, ended_at: null, updated_at: now,
  }));
  const events: Row[] = calls.map((c) => ({
    call_id: c.id, tenant_id: body.tenantId, seq: 0, type: "created", from_status: null, to_status: status, detail: JSON.stringify({ batchId }), at: now,
  }));
  const campaign = env.DB.prepare(
    "INSERT INTO campaigns (id, tenant_id, agent_id, name, recording, scheduled_at, status, created_at) VALUES (?, ?, ?, 'bench', 1, ?, ?, ?)",
  ).bind(batchId, body.tenantId, body.agentId, scheduledAt, scheduledAt === null ? "released" : "scheduled", now);
  return { batchId, calls, events, campaign };
}

/** Multi-row VALUES, cut to D1's 100 bound parameters per statement. */
function valuesInserts(env: Env, table: string, columns: string[], rows: Row[]) {
  const perStatement = Math.floor(100 / columns.length);
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const part = rows.slice(i, i + perStatement);
    const placeholders = part.map(() => `(${columns.map(() => "?").join(", ")})`).join(", ");
    out.push(env.DB.prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${placeholders}`).bind(...part.flatMap((r) => columns.map((c) => r[c] ?? null))));
  }
  return out;
}

/** INSERT ... SELECT FROM json_each(?): many rows through one bound parameter. */
function jsonInserts(env: Env, table: string, columns: string[], rows: Row[]) {
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    const select = columns.map((c) => `json_extract(value, '$.${c}')`).join(", ");
    out.push(env.DB.prepare(`INSERT INTO ${table} (${columns.join(", ")}) SELECT ${select} FROM json_each(?)`).bind(JSON.stringify(rows.slice(i, i + 500))));
  }
  return out;
}

function sumMeta(results: D1Result[]) {
  return results.reduce((m, r) => ({ rowsRead: m.rowsRead + (r.meta.rows_read ?? 0), rowsWritten: m.rowsWritten + (r.meta.rows_written ?? 0) }), { rowsRead: 0, rowsWritten: 0 });
}

async function bench(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const body = request.method === "POST" ? ((await request.json()) as any) : {};
  switch (url.pathname) {
    case "/bench/patients": {
      const ids = Array.from({ length: body.count as number }, () => crypto.randomUUID());
      const now = Date.now();
      for (let i = 0; i < ids.length; i += 2000) {
        const rows = ids.slice(i, i + 2000).map((id, j) => ({ id, phone: `+1555${String(3_000_000 + i + j).padStart(7, "0")}` }));
        await env.DB.prepare(
          `INSERT INTO patients (id, tenant_id, first_name, last_name, phone_number, timezone, created_at, updated_at)
           SELECT json_extract(value, '$.id'), ?1, 'Pat', 'Ient', json_extract(value, '$.phone'), 'America/Chicago', ?2, ?2 FROM json_each(?3)`,
        ).bind(body.tenantId, now, JSON.stringify(rows)).run();
      }
      return Response.json({ ids });
    }
    case "/bench/floor": {
      // The platform floor: the same rows as a create request, in one bare D1 batch.
      const { calls, events, campaign } = await rowsFor(env, body);
      const insert = body.variant === "json_each" ? jsonInserts : valuesInserts;
      const statements = [campaign, ...insert(env, "calls", CALL_COLUMNS, calls), ...insert(env, "call_events", EVENT_COLUMNS, events)];
      const started = Date.now();
      const results = await env.DB.batch(statements);
      return Response.json({ inWorkerMs: Date.now() - started, statements: statements.length, ...sumMeta(results) });
    }
    case "/bench/scheduled-campaign": {
      const { batchId, calls, events, campaign } = await rowsFor(env, { ...body, status: "scheduled" });
      await env.DB.batch([campaign, ...jsonInserts(env, "calls", CALL_COLUMNS, calls), ...jsonInserts(env, "call_events", EVENT_COLUMNS, events)]);
      return Response.json({ batchId });
    }
    case "/bench/release":
      return Response.json(await releaseDueCalls(env, body.now as number));
    case "/bench/release-status": {
      const dispatcher = env.DISPATCHERS.get(env.DISPATCHERS.idFromName(url.searchParams.get("tenantId")!));
      const stats = await dispatcher.stats(url.searchParams.get("campaignId")!);
      return Response.json({ job: stats.release, live: stats.live, waiting: stats.waiting });
    }
    default:
      return new Response("not found", { status: 404 });
  }
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    if (new URL(request.url).pathname.startsWith("/bench/")) return bench(request, env);
    return api.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
