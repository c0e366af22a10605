import { errorSummary } from "../lib/log-safe";
import { archiveStep, tenantRetention, type LifecycleDeps } from "./archive";
import { eraseArchivedStep } from "./erase";
import { purgeExports } from "./exports";
import { purgeArchivedPhiStep, purgePhiStep } from "./phi";

/** Archive steps per tenant per run, and tenants per shard per run: the cron's work stays bounded. */
export const ARCHIVE_STEPS_PER_TENANT = 5;
export const TENANTS_PER_RUN = 50;
const LEASE_MS = 5 * 60_000;

export interface LifecycleSummary {
  tenants: number;
  archived: number;
  phiPurged: number;
  erased: number;
}

/**
 * One tenant's lifecycle work for this run, under its lease (one archiver per tenant at a time):
 * pending erasures first, then PHI retention, then archiving past the hot window.
 */
export async function runTenantLifecycle(deps: LifecycleDeps, tenantId: string, now: number, holder = crypto.randomUUID()) {
  const out = { archived: 0, phiPurged: 0, erased: 0 };
  const retention = await tenantRetention(deps.d1, tenantId);
  if (!retention) return out;
  if (!(await takeLease(deps.d1, tenantId, holder, now))) return out;
  try {
    out.erased += await eraseArchivedStep(deps, tenantId);
    out.phiPurged += await purgePhiStep(deps, tenantId, now, retention);
    out.phiPurged += await purgeArchivedPhiStep(deps, tenantId, now, retention);
    for (let i = 0; i < ARCHIVE_STEPS_PER_TENANT; i++) {
      const step = await archiveStep(deps, tenantId, now, retention);
      out.archived += step.moved;
      if (!step.moved) break;
    }
    await purgeExports(deps.bucket, tenantId, now);
  } finally {
    await releaseLease(deps.d1, tenantId, holder);
  }
  return out;
}

async function takeLease(d1: D1Database, tenantId: string, holder: string, now: number): Promise<boolean> {
  const taken = await d1
    .prepare(
      `INSERT INTO lifecycle_state (tenant_id, lease_holder, lease_expires_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (tenant_id) DO UPDATE SET lease_holder = excluded.lease_holder, lease_expires_at = excluded.lease_expires_at
         WHERE lifecycle_state.lease_holder IS NULL OR lifecycle_state.lease_expires_at <= ?4`,
    )
    .bind(tenantId, holder, now + LEASE_MS, now)
    .run();
  return taken.meta.changes > 0;
}

async function releaseLease(d1: D1Database, tenantId: string, holder: string) {
  await d1.prepare(`UPDATE lifecycle_state SET lease_holder = NULL, lease_expires_at = 0 WHERE tenant_id = ? AND lease_holder = ?`).bind(tenantId, holder).run();
}

/**
 * The cron's lifecycle run over one shard: at most `TENANTS_PER_RUN` of its tenants, a window that
 * moves on every minute so every tenant gets its turn. Each tenant's work is bounded; one that fails
 * is logged (ids only) and retried on its next turn.
 */
export async function runShardLifecycle(deps: LifecycleDeps, now: number, tenantIds: readonly string[]): Promise<LifecycleSummary> {
  const summary: LifecycleSummary = { tenants: 0, archived: 0, phiPurged: 0, erased: 0 };
  const sorted = [...tenantIds].sort();
  const offset = sorted.length <= TENANTS_PER_RUN ? 0 : (Math.floor(now / 60_000) * TENANTS_PER_RUN) % sorted.length;
  const turn = [...sorted, ...sorted].slice(offset, offset + Math.min(TENANTS_PER_RUN, sorted.length));
  for (const tenantId of turn) {
    try {
      const r = await runTenantLifecycle(deps, tenantId, now);
      summary.tenants++;
      summary.archived += r.archived;
      summary.phiPurged += r.phiPurged;
      summary.erased += r.erased;
    } catch (error) {
      console.error(JSON.stringify({ level: "error", msg: "lifecycle step failed", tenantId, error: errorSummary(error) }));
    }
  }
  return summary;
}
