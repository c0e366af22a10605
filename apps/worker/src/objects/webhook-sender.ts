import { tenantDatabase, tenantOfRow } from "../shards/directory";
import { DurableObject } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { tables } from "@switchboard/schemas";
import { auditStatements, systemScope } from "../audit/record";
import type { Env } from "../env";
import type { SenderRun, WebhookSenderRpc } from "./contracts";
import { chunk, createDb } from "../lib/db";
import { refusedAttempt, sendAttempt, type AttemptOutcome } from "../customer-webhooks/attempt";
import type { DisabledReason } from "./contracts";
import { disableEndpoint, signingSecrets, urlPolicy, type EndpointRow } from "../customer-webhooks/endpoints";
import { FAILING_DISABLE_AFTER_MS, nextAttemptAt } from "../customer-webhooks/retry-schedule";
import { checkWebhookUrl } from "../customer-webhooks/url-policy";
import { errorSummary } from "../lib/log-safe";
import { withFaults } from "../lib/faults";

const DEFAULT_TIMEOUT_MS = 15_000;
/** Deliveries taken per run; more that are due make the alarm fire again at once. */
const RUN_LIMIT = 25;
/** Requests in flight at once to one endpoint. */
const PARALLEL = 5;
const ERROR_RETRY_MS = 30_000;

interface DueDelivery {
  id: string;
  tenant_id: string;
  event_id: string;
  attempts: number;
  retry_step: number;
  payload: string;
}

/**
 * Sends one endpoint's webhooks, off every request path. D1 holds the deliveries (the due work);
 * this object only owns the alarm that works through them, so a slow or dead endpoint delays
 * nothing but its own deliveries. Runs never overlap, so a delivery is never sent twice at once;
 * each attempt is bounded by a timeout. Alarms are at-least-once and so is delivery.
 */
export class WebhookSender extends DurableObject<Env> implements WebhookSenderRpc {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, withFaults(env));
  }

  /** Counts kicks, so a run that started before one reschedules instead of sleeping past it. */
  private kicks = 0;

  /** New work for this endpoint: make the alarm fire now. */
  async kick(endpointId: string): Promise<void> {
    this.kicks += 1;
    if ((await this.ctx.storage.get<string>("endpointId")) !== endpointId) await this.ctx.storage.put("endpointId", endpointId);
    const now = Date.now();
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > now) await this.ctx.storage.setAlarm(now);
  }

  /**
   * The endpoint's tenant's database. The tenant is found once (every shard is asked for the
   * endpoint) and kept in storage; the directory then says where its data is.
   */
  private tenantId: string | undefined;

  private async db(): Promise<D1Database> {
    let tenantId = (this.tenantId ??= await this.ctx.storage.get<string>("tenantId"));
    if (!tenantId) {
      const endpointId = await this.ctx.storage.get<string>("endpointId");
      tenantId = (endpointId && (await tenantOfRow(this.env, "webhook_endpoints", endpointId))) || undefined;
      if (!tenantId) return this.env.DB;
      await this.ctx.storage.put("tenantId", tenantId);
      this.tenantId = tenantId;
    }
    return tenantDatabase(this.env, tenantId);
  }

  override async alarm(): Promise<void> {
    try {
      await this.deliverDue();
    } catch (error) {
      console.error(JSON.stringify({ level: "error", msg: "webhook sender run failed", error: errorSummary(error) }));
      await this.ctx.storage.setAlarm(Date.now() + ERROR_RETRY_MS);
    }
  }

  /**
   * Attempts every delivery due at `now`, then sets the alarm for the next one. The clock and the
   * per-attempt timeout are parameters so tests can drive the retry schedule without waiting.
   */
  deliverDue(now = Date.now(), options: { timeoutMs?: number } = {}): Promise<SenderRun> {
    const timeoutMs = options.timeoutMs ?? (Number(this.env.WEBHOOK_ATTEMPT_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS);
    const run = this.queue.then(() => this.run(now, timeoutMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(now: number, timeoutMs: number): Promise<SenderRun> {
    const kicksAtStart = this.kicks;
    const summary: SenderRun = { attempted: 0, succeeded: 0, disabled: null };
    const endpointId = await this.ctx.storage.get<string>("endpointId");
    if (!endpointId) return summary;
    const endpoint = await createDb(await this.db()).select().from(tables.webhookEndpoints).where(eq(tables.webhookEndpoints.id, endpointId)).get();
    if (!endpoint || !endpoint.enabled || endpoint.deletedAt !== null) {
      await this.ctx.storage.deleteAlarm();
      return summary;
    }

    const d1 = await this.db();
    const due = await d1.prepare(
      `SELECT d.id, d.tenant_id, d.event_id, d.attempts, d.retry_step, e.payload
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
        WHERE d.endpoint_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ?
        ORDER BY d.next_attempt_at LIMIT ?`,
    )
      .bind(endpointId, now, RUN_LIMIT)
      .all<DueDelivery>();
    if (due.results.length) await this.attemptAll(endpoint, due.results, now, timeoutMs, summary);

    await this.scheduleNext(endpointId, kicksAtStart, summary.disabled !== null);
    return summary;
  }

  private async attemptAll(endpoint: EndpointRow, due: DueDelivery[], now: number, timeoutMs: number, summary: SenderRun) {
    // Checked on every run, not just at registration: DNS can be changed to point inside later.
    const verdict = await checkWebhookUrl(endpoint.url, urlPolicy(this.env));
    const secrets = verdict.ok ? await signingSecrets(this.env, endpoint, now) : [];
    let gone = false;
    for (const group of chunk(due, PARALLEL)) {
      if (gone) break;
      await Promise.all(
        group.map(async (delivery) => {
          const outcome = verdict.ok
            ? await sendAttempt({ url: verdict.url.href, eventId: delivery.event_id, body: delivery.payload, secrets, now, timeoutMs })
            : refusedAttempt(verdict.reason);
          await this.record(delivery, outcome, now);
          summary.attempted += 1;
          if (outcome.ok) summary.succeeded += 1;
          if (outcome.gone) gone = true;
        }),
      );
    }

    if (gone) return this.disable(endpoint, "gone", now, summary);
    if (summary.succeeded > 0) {
      if (endpoint.failingSince !== null) await this.setFailingSince(endpoint.id, null, now);
      return;
    }
    const failingSince = endpoint.failingSince ?? now;
    if (now - failingSince >= FAILING_DISABLE_AFTER_MS) return this.disable(endpoint, "failing", now, summary);
    if (endpoint.failingSince === null) await this.setFailingSince(endpoint.id, now, now);
  }

  private async record(delivery: DueDelivery, outcome: AttemptOutcome, now: number) {
    let status: "succeeded" | "failed" | "pending";
    let next: number | null = null;
    let step = delivery.retry_step;
    if (outcome.ok) status = "succeeded";
    else if (outcome.gone) status = "failed";
    else {
      next = nextAttemptAt(delivery.retry_step, now, outcome.retryAfterMs);
      status = next === null ? "failed" : "pending";
      step += 1;
    }
    const attempt = delivery.attempts + 1;
    const d1 = await this.db();
    await d1.batch([
      d1.prepare(
        `INSERT INTO webhook_attempts (delivery_id, tenant_id, attempt, at, status_code, duration_ms, error) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).bind(delivery.id, delivery.tenant_id, attempt, now, outcome.statusCode, outcome.durationMs, outcome.error),
      // Only while still pending: the endpoint may have been disabled meanwhile.
      d1.prepare(
        `UPDATE webhook_deliveries SET status = ?, attempts = ?, retry_step = ?, next_attempt_at = ?, last_attempt_at = ?,
           last_status_code = ?, last_error = ?, updated_at = ?
         WHERE id = ? AND status = 'pending'`,
      ).bind(status, attempt, step, next, now, outcome.statusCode, outcome.error, now, delivery.id),
    ]);
  }

  private async disable(endpoint: EndpointRow, reason: DisabledReason, now: number, summary: SenderRun) {
    // The endpoint is disabled and recorded as disabled by the system together, or neither.
    const d1 = await this.db();
    const audit = auditStatements(d1, systemScope(endpoint.tenantId), "webhook_endpoint.disabled", endpoint.id, { reason }, { onlyIfChanged: true });
    if (await disableEndpoint(d1, endpoint.id, reason, now, false, audit)) {
      summary.disabled = reason;
      console.log(JSON.stringify({ level: "warn", msg: "webhook endpoint disabled", endpointId: endpoint.id, reason }));
    }
  }

  private async setFailingSince(endpointId: string, value: number | null, now: number) {
    await (await this.db()).prepare(`UPDATE webhook_endpoints SET failing_since = ?, updated_at = ? WHERE id = ?`).bind(value, now, endpointId).run();
  }

  private async scheduleNext(endpointId: string, kicksAtStart: number, disabled: boolean) {
    if (this.kicks !== kicksAtStart) return this.ctx.storage.setAlarm(Date.now());
    if (disabled) return this.ctx.storage.deleteAlarm();
    const next = await (await this.db()).prepare(`SELECT MIN(next_attempt_at) AS next FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'pending'`)
      .bind(endpointId)
      .first<{ next: number | null }>();
    if (this.kicks !== kicksAtStart) return this.ctx.storage.setAlarm(Date.now());
    if (next?.next === null || next?.next === undefined) return this.ctx.storage.deleteAlarm();
    return this.ctx.storage.setAlarm(next.next);
  }
}
