import { tenantDatabase } from "../../shards/directory";
import { DurableObject } from "cloudflare:workers";
import { LIVE_STATUSES, WAITING_STATUSES, type CallStatus, type ContactProvider, type UsStateCode } from "@switchboard/schemas";
import { decideHours } from "../../contact-policy/decide";
import { deploymentWindow, devWideWindow, clockOf } from "../../contact-policy/deployment";
import { tenantPolicyOf, type TenantPolicy, type TenantPolicyRow } from "../../contact-policy/tenant";
import { callObject } from "../stubs";
import type { Env } from "../../env";
import type { DispatchRequest, EnqueueOptions, RetryRequest, TenantDispatcherRpc } from "../contracts";
import { newMeter } from "./bulk-move";
import { recordReleaseDeferrals, releasePage } from "./release-page";
import * as store from "./queue-store";
import { errorSummary } from "../../lib/log-safe";
import { withFaults } from "../../lib/faults";

/** Calls started at once while pumping. */
const START_CONCURRENCY = 20;
/** Calls started per invocation: more free lines are filled by the next alarm, so one invocation stays well under the subrequest limit. */
const STARTS_PER_STEP = 100;
/** Release pages per invocation (each is two D1 subrequests). */
const RELEASE_PAGES_PER_STEP = 4;
/** How often a live call is checked on, in case the notice that it ended was lost. */
const AUDIT_EVERY_MS = 5 * 60_000;
const AUDITS_PER_STEP = 50;
/** After a start that failed in transit: when to ask again (start is idempotent per attempt). */
const START_RETRY_MS = 5_000;
/**
 * Calls granted a line by a create request are started this long after the grant: the request's
 * answer (a 1,000-call body) leaves first instead of sharing its isolate's thread with ten starts,
 * and creates arriving together are started by one alarm. A moment against a phone's ring.
 */
export const START_AFTER_GRANT_MS = 100;
const CONFIG_TTL_MS = 5 * 60_000;
const FINISHED_RELEASES_KEPT_MS = 30 * 24 * 3600_000;

/**
 * One per tenant: the queue of calls waiting for a line and the set of lines in use.
 *
 * A call gets a line when one is free, it is first in line among calls that may be dialed now
 * (FIFO; retry spacing, the contact policy's calling hours for the patient and a paused campaign
 * may hold a call back without holding the others), and then it is handed to its CallObject's
 * `start()`, which decides the whole contact policy before it dials: a call it defers comes back
 * here, in its old place, for the time the policy set. A grant is stored as `starting` until the
 * call object answers, and the alarm makes every start still to be made (a create request does not
 * wait for them; a start lost to a crash or an error is made again, and the call object dials an
 * attempt at most once). The line comes back when the
 * call leaves a live status (a call effect tells us), when `start()` reports it did not go live,
 * or when the periodic audit finds it no longer live. Grants are synchronous SQL, so concurrent
 * requests can never hand out more lines than the limit.
 *
 * Scheduled campaigns are released into the queue here too, a page per step on alarms, so a
 * campaign of any size is moved in bounded invocations.
 */
export class TenantDispatcher extends DurableObject<Env> implements TenantDispatcherRpc {
  private readonly sql: SqlStorage;
  private config: DispatchConfig | null = null;
  /** The alarm's work under way (`tick`), so runs never overlap. */
  private ticking: Promise<void> = Promise.resolve();
  /**
   * Starts sent to call objects and not yet answered and noted, by call id: never sent twice at
   * once, and what a cancel or pause waits for. (Lost with the instance, like the starts themselves.)
   */
  private readonly startsInFlight = new Map<string, Promise<CallStatus | null | undefined>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, withFaults(env));
    this.sql = ctx.storage.sql;
    store.migrate(this.sql);
  }

  /**
   * Queues a new campaign's calls (first attempts) and gives as many as free lines allow a line at
   * once (synchronous, so concurrent requests never grant past the limit). Returns the calls given
   * a line: `initiating`, their starts made moments later on this object's alarm (the grant and the
   * alarm are stored before this returns, so a start is made even if the caller or this object dies
   * next); with `wait`, the status their starts left them in (a surface that answers with the
   * started call).
   */
  async enqueue(tenantId: string, campaignId: string, calls: DispatchRequest[], options: EnqueueOptions = {}): Promise<Record<string, CallStatus | null>> {
    const now = Date.now();
    await this.ready(tenantId, now, options.tenant);
    store.addManyWaiting(this.sql, calls, now);
    // The campaign is released: we hold its calls. Off the caller's path: if it fails, the cron
    // hands the (already queued) campaign over again, harmlessly.
    this.ctx.waitUntil(
      this.markReleased(tenantId, campaignId).catch((error: unknown) => {
        console.error(JSON.stringify({ level: "warn", msg: "marking a campaign released failed", campaignId, error: errorSummary(error) }));
      }),
    );
    const granted = this.grant(now, STARTS_PER_STEP);
    if (!options.wait) {
      // Never later than an alarm already set: a steady stream of creates must not keep pushing it back.
      const alarm = await this.ctx.storage.getAlarm();
      if (alarm === null || alarm > now + START_AFTER_GRANT_MS) await this.ctx.storage.setAlarm(now + START_AFTER_GRANT_MS);
      return Object.fromEntries(granted.map((entry) => [entry.call_id, "initiating" as const]));
    }
    // Made here, in this request: the alarm skips starts under way and makes any others.
    const started = await this.startAll(granted, now);
    await this.scheduleAlarm(now);
    return started;
  }

  /**
   * A call left the line: its line is free, and with `retry` it waits for its next attempt.
   * Idempotent (call effects may replay). Starting the next calls happens on the alarm, not in this
   * request, so a run of calls that end at once never nests.
   */
  async lineFreed(tenantId: string, callId: string, retry?: RetryRequest): Promise<void> {
    const now = Date.now();
    await this.ready(tenantId, now);
    const entry = store.getEntry(this.sql, callId);
    if (!retry) {
      this.sql.exec("DELETE FROM entries WHERE call_id = ?", callId);
    } else if (entry) {
      if (entry.attempt < retry.attempt) store.requeue(this.sql, callId, retry.attempt, retry.notBefore);
    } else {
      // We lost track of it (audited away): ask the call where it stands.
      const info = await callObject(this.env, callId).dispatchInfo();
      if (info?.status === "awaiting-retry" && info.attempt + 1 === retry.attempt) {
        store.addWaiting(this.sql, {
          callId,
          campaignId: info.campaignId,
          timezone: info.timezone,
          state: info.usState ?? null,
          provider: info.provider ?? null,
          attempt: retry.attempt,
          notBefore: retry.notBefore,
        });
      }
    }
    await this.ctx.storage.setAlarm(now);
  }

  /** Takes a due scheduled campaign (or a batch whose hand-over failed): its calls move into the queue page by page on alarms. Idempotent. */
  async releaseCampaign(tenantId: string, campaignId: string): Promise<void> {
    const now = Date.now();
    await this.ready(tenantId, now);
    this.sql.exec(
      "INSERT INTO releases (campaign_id, cursor_created_at, cursor_id, started_at) VALUES (?, -1, '', ?) ON CONFLICT (campaign_id) DO NOTHING",
      campaignId,
      now,
    );
    await this.ctx.storage.setAlarm(now);
    await this.markReleased(tenantId, campaignId);
  }

  /**
   * Drops a canceled campaign's release and its calls waiting for a first attempt (or given a line
   * whose start was not sent yet). Calls waiting for a retry are owned by their call objects: they go
   * to the front of the queue, to be refused (and end canceled) at once. Returns how many retries
   * that is, plus the starts under way that their call objects refused (they saw the cancel), and
   * the campaign's calls left on a line.
   */
  async cancelCampaign(tenantId: string, campaignId: string): Promise<{ retries: number; live: string[] }> {
    const now = Date.now();
    await this.ready(tenantId, now);
    this.sql.exec("DELETE FROM releases WHERE campaign_id = ? AND finished_at IS NULL", campaignId);
    this.sql.exec("INSERT INTO canceled_campaigns (campaign_id, canceled_at) VALUES (?, ?) ON CONFLICT DO NOTHING", campaignId, now);
    this.sql.exec("DELETE FROM paused_campaigns WHERE campaign_id = ?", campaignId);
    this.sql.exec("DELETE FROM entries WHERE campaign_id = ? AND state = 'waiting' AND attempt = 1", campaignId);
    // Given a line but not yet sent to their call objects: never will be. A first attempt is still
    // `queued` in D1 (the cancel ends it there, counted); a retry is refused by its call object, like
    // the retries waiting below.
    const unsent = this.unsentStarts(campaignId);
    for (const entry of unsent) {
      if (entry.attempt === 1) this.sql.exec("DELETE FROM entries WHERE call_id = ?", entry.call_id);
      else store.putBack(this.sql, entry.call_id, entry.attempt, now);
    }
    // Starts under way: their call objects see the cancel (D1 holds it now) or have dialed. Wait for
    // their answers, so `live` below is exactly the calls left on a line.
    const answers = await Promise.allSettled(this.startsUnderWay(campaignId));
    const refused = answers.filter((a) => a.status === "fulfilled" && a.value === "canceled").length;
    // A start that failed meanwhile put its first attempt back in line: drop it too.
    this.sql.exec("DELETE FROM entries WHERE campaign_id = ? AND state = 'waiting' AND attempt = 1", campaignId);
    const retries = this.sql
      .exec(
        `UPDATE entries SET seq = -abs(seq), not_before = ?1, eligible_at = ?1, canceling = 1
          WHERE campaign_id = ?2 AND state = 'waiting' RETURNING call_id`,
        now,
        campaignId,
      )
      .toArray().length;
    const live = this.sql
      .exec<{ call_id: string }>("SELECT call_id FROM entries WHERE campaign_id = ? AND state = 'live'", campaignId)
      .toArray()
      .map((r) => r.call_id);
    await this.ctx.storage.setAlarm(now);
    return { retries: retries + refused, live };
  }

  /**
   * Holds a campaign's waiting calls in their places: none gets a line until it is resumed (calls
   * on a line finish). Each call object checks the campaign before dialing too, so a call granted
   * while this runs is not dialed either. Returns the campaign's calls on a line.
   */
  async pauseCampaign(tenantId: string, campaignId: string): Promise<{ live: number }> {
    const now = Date.now();
    await this.ready(tenantId, now);
    this.sql.exec("INSERT INTO paused_campaigns (campaign_id, paused_at) VALUES (?, ?) ON CONFLICT DO NOTHING", campaignId, now);
    // Given a line but not yet sent: back to their places, held with the others.
    for (const entry of this.unsentStarts(campaignId)) store.putBack(this.sql, entry.call_id, entry.attempt, now);
    // Starts under way: their call objects see the pause (and come back here) or have dialed.
    await Promise.allSettled(this.startsUnderWay(campaignId));
    await this.scheduleAlarm(now);
    return { live: this.campaignLive(campaignId) };
  }

  /** Lets a paused campaign's calls take lines again, in the order they had. */
  async resumeCampaign(tenantId: string, campaignId: string): Promise<{ live: number }> {
    const now = Date.now();
    await this.ready(tenantId, now);
    this.sql.exec("DELETE FROM paused_campaigns WHERE campaign_id = ?", campaignId);
    await this.ctx.storage.setAlarm(now);
    return { live: this.campaignLive(campaignId) };
  }

  /** The campaign's calls given a line whose start has not been sent. */
  private unsentStarts(campaignId: string): store.Entry[] {
    return this.sql
      .exec<store.Entry>("SELECT * FROM entries WHERE campaign_id = ? AND state = 'live' AND starting = 1", campaignId)
      .toArray()
      .filter((entry) => !this.startsInFlight.has(entry.call_id));
  }

  /** The answers to the campaign's starts sent and not yet noted. */
  private startsUnderWay(campaignId: string): Promise<CallStatus | null | undefined>[] {
    return this.sql
      .exec<{ call_id: string }>("SELECT call_id FROM entries WHERE campaign_id = ? AND state = 'live' AND starting = 1", campaignId)
      .toArray()
      .flatMap((r) => this.startsInFlight.get(r.call_id) ?? []);
  }

  private campaignLive(campaignId: string): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM entries WHERE campaign_id = ? AND state = 'live'", campaignId).one().n;
  }

  /** Re-reads the tenant's limit, time zone and calling hours (after an operator changed them). */
  async configure(tenantId: string): Promise<void> {
    const now = Date.now();
    this.config = null;
    await this.ready(tenantId, now);
    this.sql.exec("UPDATE entries SET eligible_at = not_before WHERE state = 'waiting'");
    await this.ctx.storage.setAlarm(now);
  }

  override async alarm(): Promise<void> {
    await this.tick(Date.now());
  }

  /**
   * The alarm's work as of `now`: a release step, the audit, then filling free lines. Runs one at a
   * time, as alarms do; a test driving the alarm (`tick` through `runInDurableObject`) so waits for
   * a run the runtime started on its own instead of overlapping it.
   */
  tick(now: number): Promise<void> {
    const run = this.ticking.then(() => this.step(now));
    this.ticking = run.catch(() => undefined);
    return run;
  }

  private async step(now: number): Promise<void> {
    const tenantId = store.getMeta(this.sql, "tenant_id");
    if (!tenantId) return;
    await this.ready(tenantId, now);
    await this.releaseStep(tenantId, now);
    await this.audit(now);
    await this.pump(now);
  }

  /** What the dispatcher holds, for operators and tests. */
  async inspect(): Promise<{ limit: number | null; live: store.Entry[]; waiting: store.Entry[]; releases: store.ReleaseJob[] }> {
    return {
      limit: this.config?.limit ?? null,
      live: this.sql.exec<store.Entry>("SELECT * FROM entries WHERE state = 'live' ORDER BY granted_at, seq").toArray(),
      waiting: this.sql.exec<store.Entry>("SELECT * FROM entries WHERE state = 'waiting' ORDER BY seq").toArray(),
      releases: this.sql.exec<store.ReleaseJob>("SELECT * FROM releases ORDER BY started_at").toArray(),
    };
  }

  /** Counts, and one campaign's release, without listing the queue (cheap to poll). */
  async stats(campaignId: string): Promise<{ live: number; starting: number; waiting: number; release: store.ReleaseJob | null }> {
    return {
      live: store.liveCount(this.sql),
      starting: this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM entries WHERE state = 'live' AND starting = 1").one().n,
      waiting: this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM entries WHERE state = 'waiting'").one().n,
      release: this.sql.exec<store.ReleaseJob>("SELECT * FROM releases WHERE campaign_id = ?", campaignId).toArray()[0] ?? null,
    };
  }

  /** The calls holding lines and how many wait: for operators (GET /admin/tenants/{id}/lines) and the soak. */
  async lines(tenantId: string): Promise<{ limit: number; live: string[]; waiting: number }> {
    await this.ready(tenantId, Date.now());
    return {
      limit: this.config!.limit,
      live: this.sql.exec<{ call_id: string }>("SELECT call_id FROM entries WHERE state = 'live' ORDER BY granted_at").toArray().map((r) => r.call_id),
      waiting: this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM entries WHERE state = 'waiting'").one().n,
    };
  }

  // --- lines ---------------------------------------------------------------

  /**
   * Grants free lines and makes the starts still to be made (those granted first first, those
   * under way elsewhere skipped); repeats while starts end at once.
   */
  private async pump(now: number): Promise<void> {
    let budget = STARTS_PER_STEP;
    while (budget > 0) {
      this.grant(now, budget);
      const starts = store.startingEntries(this.sql, budget + this.startsInFlight.size).filter((e) => !this.startsInFlight.has(e.call_id)).slice(0, budget);
      if (starts.length === 0) break;
      budget -= starts.length;
      await this.startAll(starts, now);
    }
    await this.scheduleAlarm(now);
  }

  /** Synchronous check-and-set: marks the first dialable waiting calls live, at most `max` and never past the limit. */
  private grant(now: number, max: number): store.Entry[] {
    const config = this.config!;
    let free = Math.min(max, config.limit - store.liveCount(this.sql));
    const grants: store.Entry[] = [];
    while (free > 0) {
      const due = store.dueWaiting(this.sql, now, Math.max(free, 50));
      if (due.length === 0) break;
      for (const entry of due) {
        const opensAt = entry.canceling ? now : this.hoursOpenAt(now, entry);
        if (opensAt > now) {
          store.deferEntry(this.sql, entry.call_id, Math.max(entry.not_before, opensAt));
          continue;
        }
        store.markLive(this.sql, entry.call_id, now, now + AUDIT_EVERY_MS);
        grants.push(entry);
        if (--free === 0) break;
      }
    }
    return grants;
  }

  /**
   * When the patient's calling hours next allow a dial (`now` if they do): the contact policy's
   * hours, so no line is spent on a call that would only be deferred. A call whose hours never
   * open is let through: its call object refuses it, with the reason.
   */
  private hoursOpenAt(now: number, entry: store.Entry): number {
    const config = this.config!;
    // Entries queued before the policy know no provider: a vendor's hours, the strict choice.
    const provider = (entry.provider ?? "vendor") as ContactProvider;
    const decision = decideHours(now, { timeZone: entry.timezone, state: entry.us_state as UsStateCode | null }, provider, config.tenant, config.devWide);
    return decision.kind === "defer" ? decision.until : now;
  }

  private async startAll(grants: store.Entry[], now: number): Promise<Record<string, CallStatus | null>> {
    const results: Record<string, CallStatus | null> = {};
    let next = 0;
    const worker = async () => {
      while (next < grants.length) {
        const entry = grants[next++]!;
        // Dropped or put back meanwhile (its campaign canceled or paused), or being made by another run.
        const current = store.getEntry(this.sql, entry.call_id);
        if (!current || current.state !== "live" || current.starting !== 1 || current.attempt !== entry.attempt) continue;
        if (this.startsInFlight.has(entry.call_id)) continue;
        const start = this.startOne(entry, now, results);
        this.startsInFlight.set(entry.call_id, start);
        try {
          await start;
        } finally {
          this.startsInFlight.delete(entry.call_id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, grants.length) }, worker));
    return results;
  }

  /** Sends one start and notes the answer: on the line, back in its place, line given back, or (failed) waiting again. */
  private async startOne(entry: store.Entry, now: number, results: Record<string, CallStatus | null>): Promise<CallStatus | null | undefined> {
    try {
      const call = callObject(this.env, entry.call_id);
      const status = await call.start(entry.call_id, entry.attempt);
      results[entry.call_id] = status;
      if (status !== null && WAITING_STATUSES.includes(status)) {
        // Not dialed and not ended: the contact policy deferred this attempt (or its campaign was
        // paused). It waits again in its place, until the time the call object now holds.
        const info = await call.dispatchInfo();
        if (info && info.attempt + 1 === entry.attempt) {
          store.putBack(this.sql, entry.call_id, entry.attempt, Math.max(info.nextAttemptAt ?? now + START_RETRY_MS, now));
          return status;
        }
      }
      // Did not go live (canceled, refused, ended at once): the line is free again.
      if (status === null || !LIVE_STATUSES.includes(status)) this.dropLive(entry);
      else store.markStarted(this.sql, entry.call_id, entry.attempt);
      return status;
    } catch (error) {
      // Unknown whether it dialed; start() is idempotent per attempt, so hand it out again later.
      console.error(JSON.stringify({ level: "warn", msg: "call start failed; will retry", callId: entry.call_id, error: errorSummary(error) }));
      store.putBack(this.sql, entry.call_id, entry.attempt, now + START_RETRY_MS);
      return undefined;
    }
  }

  private dropLive(entry: Pick<store.Entry, "call_id" | "attempt">) {
    this.sql.exec("DELETE FROM entries WHERE call_id = ? AND state = 'live' AND attempt = ?", entry.call_id, entry.attempt);
  }

  /** Live calls not heard of for a while: ask each where it stands and give back lines that were missed. */
  private async audit(now: number) {
    const due = this.sql
      // Starts still to be made are the pump's, not the audit's.
      .exec<store.Entry>("SELECT * FROM entries WHERE state = 'live' AND starting = 0 AND audit_at <= ? ORDER BY audit_at LIMIT ?", now, AUDITS_PER_STEP)
      .toArray();
    await Promise.all(
      due.map(async (entry) => {
        const info = await callObject(this.env, entry.call_id).dispatchInfo().catch(() => undefined);
        if (info === undefined) return; // unreachable now: next audit
        if (info && LIVE_STATUSES.includes(info.status)) {
          this.sql.exec("UPDATE entries SET audit_at = ? WHERE call_id = ? AND state = 'live'", now + AUDIT_EVERY_MS, entry.call_id);
        } else if (info?.status === "awaiting-retry" && info.nextAttemptAt !== null && info.attempt === entry.attempt) {
          store.requeue(this.sql, entry.call_id, info.attempt + 1, info.nextAttemptAt);
        } else if (info === null || info.attempt >= entry.attempt) {
          this.dropLive(entry);
        }
      }),
    );
  }

  // --- releases ------------------------------------------------------------

  /** Moves up to a few pages of the oldest unfinished release into the queue. */
  private async releaseStep(tenantId: string, now: number) {
    const job = this.sql.exec<store.ReleaseJob>("SELECT * FROM releases WHERE finished_at IS NULL ORDER BY started_at LIMIT 1").toArray()[0];
    this.sql.exec("DELETE FROM releases WHERE finished_at < ?", now - FINISHED_RELEASES_KEPT_MS);
    // Longer than any call of theirs can still be live and come back for a retry.
    this.sql.exec("DELETE FROM canceled_campaigns WHERE canceled_at < ?", now - FINISHED_RELEASES_KEPT_MS);
    if (!job) return;
    const meter = newMeter();
    let cursor = { createdAt: job.cursor_created_at, id: job.cursor_id };
    for (let page = 0; page < RELEASE_PAGES_PER_STEP; page++) {
      const before = { ...meter };
      const { calls, next, deferred } = await releasePage(await tenantDatabase(this.env, tenantId), tenantId, job.campaign_id, cursor, now, meter, (call) => this.releaseHours(now, call));
      // Canceled while we were reading: leave its calls alone.
      const current = this.sql.exec("SELECT 1 FROM releases WHERE campaign_id = ? AND finished_at IS NULL", job.campaign_id).toArray();
      if (current.length === 0) return;
      store.addManyWaiting(this.sql, calls.map((c) => ({ ...c, campaignId: job.campaign_id })), now);
      if (deferred.length) await recordReleaseDeferrals(this.env, tenantId, job.campaign_id, deferred);
      cursor = next ?? cursor;
      this.sql.exec(
        `UPDATE releases SET cursor_created_at = ?, cursor_id = ?, calls = calls + ?, pages = pages + 1,
                statements = statements + ?, rows_read = rows_read + ?, rows_written = rows_written + ?,
                max_subrequests_per_step = max(max_subrequests_per_step, ?), finished_at = ?
          WHERE campaign_id = ?`,
        cursor.createdAt,
        cursor.id,
        calls.length,
        meter.statements - before.statements,
        meter.rowsRead - before.rowsRead,
        meter.rowsWritten - before.rowsWritten,
        meter.subrequests,
        next ? null : now,
        job.campaign_id,
      );
      if (!next) return;
    }
  }

  /** A released call's calling hours: when they open, if they are closed now. */
  private releaseHours(now: number, call: { timezone: string | null; state: string | null; provider: string }) {
    const config = this.config!;
    const decision = decideHours(now, { timeZone: call.timezone, state: call.state as UsStateCode | null }, call.provider as ContactProvider, config.tenant, config.devWide);
    return decision.kind === "defer" ? { until: decision.until, reason: decision.reason, reasons: decision.reasons } : null;
  }

  // --- housekeeping --------------------------------------------------------

  /** A campaign is `released` once its dispatcher holds it; one canceled meanwhile stays canceled. */
  private async markReleased(tenantId: string, campaignId: string) {
    const d1 = await tenantDatabase(this.env, tenantId);
    // `+status`: look the campaign up by id, not by scanning every scheduled one.
    await d1.prepare(`UPDATE campaigns SET status = 'released' WHERE id = ? AND +status IN ('scheduled', 'releasing')`).bind(campaignId).run();
  }

  private async ready(tenantId: string, now: number, given?: EnqueueOptions["tenant"]) {
    if (store.getMeta(this.sql, "tenant_id") === null) store.setMeta(this.sql, "tenant_id", tenantId);
    if (this.config && now - this.config.loadedAt < CONFIG_TTL_MS && now >= this.config.loadedAt) return;
    // What the caller just read from the tenant's row is as fresh as reading it here.
    const loaded = given
      ? { limit: Math.max(1, given.concurrencyLimit), tenant: { timeZone: given.timeZone, policy: given.policy }, devWide: devWideWindow(this.env), loadedAt: now }
      : await loadDispatchConfig(this.env, tenantId, now);
    const window = deploymentWindow(this.env);
    const fallback: TenantPolicy = { timeZone: "America/New_York", policy: { callingHours: { start: clockOf(window.start), end: clockOf(window.end) } } };
    this.config = loaded ?? { limit: 10, tenant: fallback, devWide: devWideWindow(this.env), loadedAt: now };
  }

  private async scheduleAlarm(now: number) {
    const times: number[] = [];
    if (this.sql.exec("SELECT 1 FROM releases WHERE finished_at IS NULL LIMIT 1").toArray().length) times.push(now);
    // Starts to make (one under way in a request is noted by that request, which schedules again).
    if (store.startingEntries(this.sql, this.startsInFlight.size + 1).some((e) => !this.startsInFlight.has(e.call_id))) times.push(now);
    const audit = store.earliestAudit(this.sql);
    if (audit !== null) times.push(audit);
    if (store.liveCount(this.sql) < this.config!.limit) {
      const waiting = store.earliestWaiting(this.sql);
      if (waiting !== null) times.push(waiting);
    }
    if (times.length) await this.ctx.storage.setAlarm(Math.min(...times));
    else await this.ctx.storage.deleteAlarm();
  }
}

/** What the dispatcher needs to know about its tenant. */
export interface DispatchConfig {
  limit: number;
  /** The tenant's zone (for patients without one) and its contact policy's hours. */
  tenant: TenantPolicy;
  /** Local development: simulator calls ignore the hours. */
  devWide: boolean;
  loadedAt: number;
}

/** A tenant row's dispatch settings; null when the tenant does not exist. */
export async function loadDispatchConfig(
  env: { DB: D1Database; CALLING_HOURS?: string; DEV_WIDE_CALLING_WINDOW?: string },
  tenantId: string,
  now: number,
): Promise<DispatchConfig | null> {
  const row = await (await tenantDatabase(env, tenantId, "read")).prepare("SELECT concurrency_limit, timezone, calling_hours_start, calling_hours_end, contact_policy FROM tenants WHERE id = ?")
    .bind(tenantId)
    .first<TenantPolicyRow & { concurrency_limit: number }>();
  if (!row) return null;
  return { limit: Math.max(1, row.concurrency_limit), tenant: tenantPolicyOf(row, env), devWide: devWideWindow(env), loadedAt: now };
}
