import { archiveKey, dayOf, EVENT_PHI_SQL, fileKeysOf, readArchive, withoutPhi, writeArchive, DAY_MS, dayStart, type ArchiveContents } from "./archive-object";
import { cutoffOf, type LifecycleDeps, type TenantRetention } from "./archive";

/** Calls and messages one PHI purge step clears, and archive days one step rewrites. */
export const PHI_STEP_ROWS = 200;
export const PHI_STEP_DAYS = 3;

/** R2 deletes take up to 1,000 keys. */
export async function deleteFiles(bucket: Pick<R2Bucket, "delete">, keys: string[]) {
  for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
}

/**
 * Clears transcripts, reports, message bodies and attachments (R2 first, then the rows) of the
 * tenant's calls that ended and messages sent before its PHI retention, from where the last step
 * stopped (`lifecycle_state.phi_purged_through`). Returns the rows cleared.
 */
export async function purgePhiStep(deps: LifecycleDeps, tenantId: string, now: number, retention: TenantRetention): Promise<number> {
  if (retention.phiRetentionDays === null) return 0;
  const { d1 } = deps;
  const phiCutoff = cutoffOf(now, retention.phiRetentionDays);
  const state = await d1.prepare(`SELECT phi_purged_through AS t FROM lifecycle_state WHERE tenant_id = ?`).bind(tenantId).first<{ t: number }>();
  const from = state?.t ?? 0;
  if (from >= phiCutoff) return 0;

  const [calls, messages] = await d1.batch<{ id: string; t: number; files: string | null }>([
    d1.prepare(`SELECT id, ended_at AS t, NULL AS files FROM calls WHERE tenant_id = ?1 AND ended_at >= ?2 AND ended_at < ?3 ORDER BY ended_at LIMIT ?4`)
      .bind(tenantId, from, phiCutoff, PHI_STEP_ROWS),
    d1.prepare(`SELECT id, created_at AS t, files FROM messages WHERE tenant_id = ?1 AND created_at >= ?2 AND created_at < ?3 ORDER BY created_at LIMIT ?4`)
      .bind(tenantId, from, phiCutoff, PHI_STEP_ROWS),
  ]).then((r) => r.map((x) => x.results));
  // A full page may stop mid-way: the next step starts at the earliest place either list stopped.
  let through = phiCutoff;
  if (calls!.length === PHI_STEP_ROWS) through = Math.min(through, calls!.at(-1)!.t);
  if (messages!.length === PHI_STEP_ROWS) through = Math.min(through, messages!.at(-1)!.t);
  const callIds = calls!.filter((c) => c.t < through).map((c) => c.id);
  const due = messages!.filter((m) => m.t < through);
  await deleteFiles(deps.bucket, due.flatMap((m) => fileKeysOf(m)));
  // `+tenant_id`: each row by its id, not a walk of the tenant's rows (see contact-policy/facts.ts).
  await d1.batch([
    d1.prepare(`UPDATE calls SET transcript = NULL, final_report = NULL WHERE id IN (SELECT value FROM json_each(?1)) AND +tenant_id = ?2`)
      .bind(JSON.stringify(callIds), tenantId),
    d1.prepare(`UPDATE messages SET content = NULL, files = NULL WHERE id IN (SELECT value FROM json_each(?1)) AND +tenant_id = ?2`)
      .bind(JSON.stringify(due.map((m) => m.id)), tenantId),
    // What the tenant's webhooks were told of those texts (kept for replays) loses the text too.
    d1.prepare(
      `UPDATE webhook_events SET payload = ${EVENT_PHI_SQL}
        WHERE tenant_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND type = 'message.received'
          AND json_extract(payload, '$.data.message_id') IN (SELECT value FROM json_each(?4))`,
    ).bind(tenantId, from, through, JSON.stringify(due.map((m) => m.id))),
    d1.prepare(
      `INSERT INTO lifecycle_state (tenant_id, phi_purged_through) VALUES (?1, ?2)
       ON CONFLICT (tenant_id) DO UPDATE SET phi_purged_through = MAX(lifecycle_state.phi_purged_through, excluded.phi_purged_through)`,
    ).bind(tenantId, through),
  ]);
  return callIds.length + due.length;
}

/** Rewrites an archive object with `change` applied to each record; deletes the attachments of messages it clears. */
export async function rewriteArchive(deps: LifecycleDeps, key: string, change: (contents: ArchiveContents) => ArchiveContents | null) {
  const { contents, etag } = await readArchive(deps.bucket, key);
  if (!etag) return;
  const next = change(contents);
  if (!next) return;
  const files = [...contents.values()].filter((r) => r.kind === "message" && next.get(`message:${r.id}`)?.row.files == null).flatMap((r) => fileKeysOf(r.row));
  await deleteFiles(deps.bucket, files);
  await writeArchive(deps.bucket, key, next, etag);
}

/** Strips PHI from archive objects of days now past the tenant's PHI retention. */
export async function purgeArchivedPhiStep(deps: LifecycleDeps, tenantId: string, now: number, retention: TenantRetention): Promise<number> {
  if (retention.phiRetentionDays === null) return 0;
  const lastDay = dayOf(cutoffOf(now, retention.phiRetentionDays) - DAY_MS);
  const days = await deps.d1
    .prepare(`SELECT day, key FROM archive_days WHERE tenant_id = ? AND phi_purged_at IS NULL AND day <= ? ORDER BY day LIMIT ?`)
    .bind(tenantId, lastDay, PHI_STEP_DAYS)
    .all<{ day: string; key: string }>();
  for (const { day, key } of days.results) {
    if (dayStart(day) + DAY_MS > cutoffOf(now, retention.phiRetentionDays)) continue;
    await rewriteArchive(deps, key, (contents) => new Map([...contents].map(([k, r]) => [k, withoutPhi(r)])));
    await deps.d1.prepare(`UPDATE archive_days SET phi_purged_at = ? WHERE tenant_id = ? AND day = ?`).bind(now, tenantId, day).run();
  }
  return days.results.length;
}

