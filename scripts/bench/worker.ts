// The API worker with measuring routes for `pnpm bench` (scripts/bench.mjs). Local only.
import api from "../../apps/worker/src/index";
import { decideBatch, readBatch } from "../../apps/worker/src/calls/batch";
import { releaseDueCalls } from "../../apps/worker/src/campaigns/release";
import { CLAIM_UPDATE_SQL, COUNTERS_BY_PATIENT_SQL } from "../../apps/worker/src/contact-policy/counters";
import { patientFactsSql } from "../../apps/worker/src/contact-policy/facts";
import type { Env } from "../../apps/worker/src/env";
import { recordStatements } from "../../apps/worker/src/audit/record";
import { createDb } from "../../apps/worker/src/lib/db";
import * as meter from "./d1-meter";
import { lifeFloor, lifeStatus } from "./life";

import { CallObject as CallBase, TenantDispatcher as DispatcherBase, WebhookSender as SenderBase } from "../../apps/worker/src/index";

export { Internal, TenantLimiter } from "../../apps/worker/src/index";

// The Durable Objects that write to D1, metered too: each installs the meter on its first use, in
// case the runtime runs it in an isolate the worker's fetch never reached (installing is idempotent).
export class CallObject extends CallBase {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    meter.install(env.DB);
  }
}
export class TenantDispatcher extends DispatcherBase {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    meter.install(env.DB);
  }
}
export class WebhookSender extends SenderBase {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    meter.install(env.DB);
  }
}

const CALL_COLUMNS = [
  "id", "tenant_id", "campaign_id", "agent_id", "patient_id", "patient", "phone_number", "status", "outcome", "provider",
  "provider_call_id", "reason", "recording", "client_metadata", "final_report", "transcript", "scheduled_at",
  "created_at", "started_at", "ended_at", "updated_at",
];
const EVENT_COLUMNS = ["call_id", "tenant_id", "seq", "type", "from_status", "to_status", "detail", "at"];
/** What the create request also writes on each call since the contact policy: its purpose and the decision. */
const POLICY_COLUMNS = ["purpose", "policy_decision", "policy_reason", "policy_reasons", "policy_until"];

type Row = Record<string, unknown>;

/** The rows `POST /api/v1/calls` writes for these patients: a campaign, a call and a `created` event each. */
async function rowsFor(
  env: Env,
  body: { tenantId: string; agentId: string; patientIds?: string[]; patients?: { patientId: string; extended?: unknown }[]; status?: string; scheduledAt?: number | null },
) {
  const now = Date.now();
  // The floor takes the create request's own body (patients with their metadata), so both carry the same input.
  const extended = new Map((body.patients ?? []).map((p) => [p.patientId, p.extended ?? null]));
  const patientIds = body.patientIds ?? (body.patients ?? []).map((p) => p.patientId);
  const phones = new Map<string, string>();
  // Each call's copy of its patient's details (calls.patient), as the create request writes it.
  const embeds = new Map<string, string>();
  for (let i = 0; i < patientIds.length; i += 2000) {
    const part = patientIds.slice(i, i + 2000);
    const rows = await env.DB.prepare("SELECT id, phone_number, first_name, last_name, birth_date, email FROM patients WHERE id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(part))
      .all<{ id: string; phone_number: string; first_name: string; last_name: string; birth_date: string | null; email: string | null }>();
    for (const r of rows.results) {
      phones.set(r.id, r.phone_number);
      embeds.set(r.id, JSON.stringify({ id: r.id, firstName: r.first_name, lastName: r.last_name, birthDate: r.birth_date, email: r.email, phoneNumber: r.phone_number }));
    }
  }
  const batchId = crypto.randomUUID();
  const status = body.status ?? "queued";
  const scheduledAt = body.scheduledAt ?? null;
  const calls: Row[] = patientIds.map((patientId, i) => ({
    id: crypto.randomUUID(), tenant_id: body.tenantId, campaign_id: batchId, agent_id: body.agentId, patient_id: patientId, patient: embeds.get(patientId) ?? null,
    phone_number: phones.get(patientId), status, outcome: null, provider: "simulator", provider_call_id: null, reason: "bench",
    recording: 1, client_metadata: JSON.stringify(extended.get(patientId) ?? { appointment: { name: "General Check Up", start_time: "Dec 2 at 10:30 AM" } }),
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
      // In a zone where it is daytime (`timezone`), so the calling hours are decided in full and allow;
      // with `contacts`, each patient's counters row holds one reminder made two days ago, so the caps read history.
      const ids = Array.from({ length: body.count as number }, () => crypto.randomUUID());
      const now = Date.now();
      const recent = JSON.stringify([{ at: now - 2 * 24 * 3600_000, channel: "call", purpose: "appointment_reminder" }]);
      for (let i = 0; i < ids.length; i += 2000) {
        const rows = ids.slice(i, i + 2000).map((id, j) => ({ id, phone: `+1555${String(3_000_000 + i + j).padStart(7, "0")}` }));
        await env.DB.prepare(
          `INSERT INTO patients (id, tenant_id, first_name, last_name, phone_number, timezone, created_at, updated_at)
           SELECT json_extract(value, '$.id'), ?1, 'Pat', 'Ient', json_extract(value, '$.phone'), ?4, ?2, ?2 FROM json_each(?3)`,
        ).bind(body.tenantId, now, JSON.stringify(rows), body.timezone ?? "America/Chicago").run();
        if (body.contacts) {
          await env.DB.prepare(
            `INSERT INTO contact_counters (tenant_id, patient_id, recent, version, updated_at)
             SELECT ?1, json_extract(value, '$.id'), ?2, 1, ?3 FROM json_each(?4)`,
          ).bind(body.tenantId, recent, now, JSON.stringify(rows)).run();
        }
      }
      return Response.json({ ids });
    }
    case "/bench/validate": {
      // What the create request read before the contact policy (the statements drizzle sent): agent, vendors,
      // patients with their opt-outs, in one D1 batch, then mapped to objects as drizzle maps them.
      const [agent, , rows] = await env.DB.batch<Record<string, unknown>>([
        env.DB.prepare(`select "id", "tenant_id", "name", "provider", "settings", "created_at", "updated_at" from "agents" where ("agents"."id" = ? and "agents"."tenant_id" = ?)`).bind(body.agentId, body.tenantId),
        env.DB.prepare(`select "provider", "options" from "provider_credentials" where "provider_credentials"."tenant_id" = ?`).bind(body.tenantId),
        env.DB.prepare(
          `select "id", "phone_number", "timezone", exists (select 1 from opt_outs o where o.tenant_id = "patients"."tenant_id"
             and o.phone_number = "patients"."phone_number" and o.opted_in_at is null)
           from "patients" where ("patients"."tenant_id" = ? and "patients"."id" in (SELECT value FROM json_each(?)))`,
        ).bind(body.tenantId, JSON.stringify(body.patientIds)),
      ]);
      const settings = JSON.parse(String(agent!.results[0]?.settings ?? "{}"));
      const patients = rows!.results.map((r) => ({ id: r.id, phoneNumber: r.phone_number, timezone: r.timezone, settings }));
      return Response.json({ agent: agent!.results.length === 1, patients: patients.length });
    }
    case "/bench/policy": {
      // The same reads with the contact policy (the real code: readBatch), and its decision on every patient.
      const scope = { env, db: createDb(env.DB), waitUntil: () => {}, tenantId: body.tenantId, actor: { type: "system" as const, id: null }, requestId: null };
      const request = { agentId: body.agentId, recording: true, patients: (body.patientIds as string[]).map((patientId) => ({ patientId })) };
      const input = await readBatch(scope, request);
      const decisions = decideBatch(input, request, Date.now());
      const kinds: Record<string, number> = {};
      for (const d of decisions) kinds[d.kind] = (kinds[d.kind] ?? 0) + 1;
      return Response.json({ decisions: kinds });
    }
    case "/bench/policy-rows": {
      // D1's rows read by the create request's policy statement (the patients' facts with their counters
      // joined), and by the same statement without the counters: the difference is what the counters cost.
      const ids = JSON.stringify(body.patientIds);
      const [withCounters, without] = await env.DB.batch([
        env.DB.prepare(patientFactsSql({ counters: true })).bind(body.tenantId, ids),
        env.DB.prepare(patientFactsSql({ counters: false })).bind(body.tenantId, ids),
      ]);
      const found = withCounters!.results.filter((r) => (r as { counters_version: number | null }).counters_version !== null).length;
      // And per dial: the counters row by its key, and recording the contact by compare-and-set.
      const sample = (body.patientIds as string[]).slice(0, 100);
      const reads = await env.DB.batch(sample.map((id) => env.DB.prepare(COUNTERS_BY_PATIENT_SQL).bind(body.tenantId, id)));
      const versions = reads.map((r) => (r.results[0] as { version: number } | undefined)?.version ?? 0);
      const claims = await env.DB.batch(sample.map((id, i) => env.DB.prepare(CLAIM_UPDATE_SQL).bind("[]", Date.now(), body.tenantId, id, versions[i])));
      const sum = (results: D1Result[]) => sumMeta(results);
      return Response.json({
        calls: body.patientIds.length,
        facts: sum([without!]),
        factsWithCounters: sum([withCounters!]),
        counters: { rowsRead: withCounters!.meta.rows_read - without!.meta.rows_read, found },
        dial: { sampled: sample.length, read: sum(reads), claim: sum(claims) },
      });
    }
    case "/bench/floor": {
      // The platform floor: the same rows as a create request, in one bare D1 batch.
      const { calls, events, campaign } = await rowsFor(env, body);
      const insert = body.variant === "values" ? valuesInserts : jsonInserts;
      const full = body.variant === "json_each+policy+audit";
      const callRows = full ? calls.map((c) => ({ ...c, purpose: "appointment_reminder", policy_decision: "allow", policy_reason: null, policy_reasons: null, policy_until: null })) : calls;
      const statements = [
        campaign,
        ...insert(env, "calls", full ? [...CALL_COLUMNS, ...POLICY_COLUMNS] : CALL_COLUMNS, callRows),
        ...insert(env, "call_events", EVENT_COLUMNS, events),
      ];
      if (full) {
        // The rest of what the request writes: a `call.created` audit row per call (in the trail's own
        // statement form, the cheapest measured: no row read), and the tenant's call count.
        const record = {
          tenantId: body.tenantId, actor: { type: "api_key" as const, id: "bench" }, action: "call.created" as const,
          objectIds: calls.map((c) => String(c.id)), requestId: "bench", detail: { batchId: calls[0]?.campaign_id },
        };
        statements.push(...recordStatements(env.DB, record, { at: Number(calls[0]?.created_at) }));
        statements.push(env.DB.prepare("UPDATE tenants SET calls_count = calls_count + ? WHERE id = ?").bind(calls.length, body.tenantId));
      }
      const started = Date.now();
      const results = await env.DB.batch(statements);
      return Response.json({ inWorkerMs: Date.now() - started, statements: statements.length, ...sumMeta(results) });
    }
    case "/bench/scheduled-campaign": {
      const { batchId, calls, events, campaign } = await rowsFor(env, { ...body, status: "scheduled" });
      await env.DB.batch([campaign, ...jsonInserts(env, "calls", CALL_COLUMNS, calls), ...jsonInserts(env, "call_events", EVENT_COLUMNS, events)]);
      return Response.json({ batchId });
    }
    case "/bench/meter":
      // GET reads the D1 totals since the last reset; POST resets them.
      if (request.method === "POST") meter.reset();
      if (url.searchParams.has("top")) return Response.json(meter.top(Number(url.searchParams.get("top"))));
      return Response.json(await meter.read(env.DB));
    case "/bench/hook":
      // The customer webhook endpoint of the whole-life run: takes every delivery.
      return new Response(null, { status: 204 });
    case "/bench/life-status":
      return Response.json(await lifeStatus(env.DB, url.searchParams.get("tenantId")!, url.searchParams.get("campaignId")!));
    case "/bench/life-floor":
      return Response.json(await lifeFloor(env.DB, body.tenantId as string, body.campaignId as string));
    case "/bench/point-read": {
      // The floor of GET /api/v1/calls/{id}: one bare D1 read of the call row and its patient.
      const row = await env.DB.prepare(
        "SELECT * FROM calls c LEFT JOIN patients p ON p.id = c.patient_id AND p.tenant_id = c.tenant_id WHERE c.id = ? AND c.tenant_id = ?",
      )
        .bind(url.searchParams.get("callId"), url.searchParams.get("tenantId"))
        .first();
      return row ? Response.json(row) : new Response("not found", { status: 404 });
    }
    case "/bench/release":
      return Response.json(await releaseDueCalls(env, body.now as number));
    case "/bench/release-status": {
      const dispatcher = env.DISPATCHERS.get(env.DISPATCHERS.idFromName(url.searchParams.get("tenantId")!));
      const stats = await dispatcher.stats(url.searchParams.get("campaignId")!);
      return Response.json({ job: stats.release, live: stats.live, starting: stats.starting, waiting: stats.waiting });
    }
    default:
      return new Response("not found", { status: 404 });
  }
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    meter.install(env.DB);
    if (new URL(request.url).pathname.startsWith("/bench/")) return bench(request, env);
    return api.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
