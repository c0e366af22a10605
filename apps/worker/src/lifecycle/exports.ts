import { DomainError } from "../errors";
import { signedExportUrl, signingKey } from "../messages/file-links";
import { DAY_MS, dayStart, gzip, readArchive, recordKey, type ArchiveContents, type ArchiveKind, type ArchiveRow } from "./archive-object";
import type { LifecycleDeps } from "./archive";

/** Longest range one export covers; the export is built in memory. */
export const MAX_EXPORT_DAYS = 31;
/** Rows of each kind an export takes from D1 (the hot window); a busier range must be split. */
export const MAX_EXPORT_HOT_ROWS = 5_000;
/** Exports hold PHI: their objects are deleted this long after they were made. */
export const EXPORT_RETENTION_MS = DAY_MS;

export interface ExportResult {
  id: string;
  from: string;
  to: string;
  records: number;
  url: string;
  expiresAt: number;
}

export function exportKey(tenantId: string, exportId: string) {
  return `exports/${tenantId}/${exportId}.ndjson.gz`;
}

/**
 * A tenant's data for the UTC days `from`..`to` (inclusive) as one gzipped NDJSON object, in the
 * archive's record format: the archived days from R2 and what is still in D1 (calls that ended and
 * messages and audit rows made those days, calls with their history). Returns a signed, expiring link.
 */
export async function createExport(
  deps: LifecycleDeps & { signingSecret: string | undefined; baseUrl: string },
  tenantId: string,
  range: { from: string; to: string },
  now = Date.now(),
): Promise<ExportResult> {
  const start = dayStart(range.from);
  const end = dayStart(range.to) + DAY_MS;
  if (Number.isNaN(start) || Number.isNaN(end)) throw new DomainError("INVALID_INPUT", "from and to must be dates (YYYY-MM-DD)");
  if (end <= start) throw new DomainError("INVALID_INPUT", "from must not be after to", { field: ["from"] });
  if (end - start > MAX_EXPORT_DAYS * DAY_MS) throw new DomainError("INVALID_INPUT", `An export covers at most ${MAX_EXPORT_DAYS} days: split the range`, { field: ["to"] });
  const secret = signingKey(deps.signingSecret);

  const contents: ArchiveContents = new Map();
  const days = await deps.d1
    .prepare(`SELECT key FROM archive_days WHERE tenant_id = ? AND day >= ? AND day <= ? ORDER BY day`)
    .bind(tenantId, range.from, range.to)
    .all<{ key: string }>();
  for (const { key } of days.results) {
    for (const [k, record] of (await readArchive(deps.bucket, key)).contents) contents.set(k, record);
  }

  const d1 = deps.d1;
  const limit = MAX_EXPORT_HOT_ROWS + 1;
  const [calls, messages, audit] = await d1.batch<ArchiveRow>([
    d1.prepare(`SELECT * FROM calls WHERE tenant_id = ?1 AND ended_at >= ?2 AND ended_at < ?3 ORDER BY ended_at LIMIT ?4`).bind(tenantId, start, end, limit),
    d1.prepare(`SELECT * FROM messages WHERE tenant_id = ?1 AND created_at >= ?2 AND created_at < ?3 ORDER BY created_at LIMIT ?4`).bind(tenantId, start, end, limit),
    d1.prepare(`SELECT * FROM audit_events WHERE tenant_id = ?1 AND at >= ?2 AND at < ?3 ORDER BY id LIMIT ?4`).bind(tenantId, start, end, limit),
  ]).then((r) => r.map((x) => x.results));
  if ([calls!, messages!, audit!].some((rows) => rows.length > MAX_EXPORT_HOT_ROWS)) {
    throw new DomainError("INVALID_INPUT", `More than ${MAX_EXPORT_HOT_ROWS} calls, messages or audit events in this range: export a shorter range`);
  }
  const callIds = JSON.stringify(calls!.map((c) => c.id));
  const [events, options] = await d1.batch<ArchiveRow>([
    d1.prepare(`SELECT * FROM call_events WHERE call_id IN (SELECT value FROM json_each(?1)) AND tenant_id = ?2`).bind(callIds, tenantId),
    d1.prepare(`SELECT * FROM call_options WHERE call_id IN (SELECT value FROM json_each(?1)) AND tenant_id = ?2`).bind(callIds, tenantId),
  ]).then((r) => r.map((x) => x.results));
  const add = (kind: ArchiveKind, rows: ArchiveRow[], id: (r: ArchiveRow) => unknown) => {
    for (const row of rows) contents.set(recordKey(kind, String(id(row))), { kind, id: String(id(row)), row });
  };
  add("call", calls!, (r) => r.id);
  add("call_event", events!, (r) => r.id);
  add("call_option", options!, (r) => r.call_id);
  add("message", messages!, (r) => r.id);
  add("audit_event", audit!, (r) => r.id);

  const keys = [...contents.keys()].sort();
  const body = await gzip(keys.map((k) => JSON.stringify(contents.get(k))).join("\n") + (keys.length ? "\n" : ""));
  const id = `exp_${crypto.randomUUID().replaceAll("-", "")}`;
  await deps.bucket.put(exportKey(tenantId, id), body, {
    httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip", contentDisposition: `attachment; filename="${id}.ndjson.gz"` },
    customMetadata: { tenantId, from: range.from, to: range.to, records: String(keys.length) },
  });
  const link = await signedExportUrl(deps.baseUrl, secret, tenantId, id, now);
  return { id, from: range.from, to: range.to, records: keys.length, url: link.url, expiresAt: link.expiresAt };
}

/** Deletes the tenant's exports older than `EXPORT_RETENTION_MS` (they hold PHI). */
export async function purgeExports(bucket: Pick<R2Bucket, "list" | "delete">, tenantId: string, now: number) {
  const listed = await bucket.list({ prefix: `exports/${tenantId}/`, limit: 1000 });
  const old = listed.objects.filter((o) => o.uploaded.getTime() <= now - EXPORT_RETENTION_MS).map((o) => o.key);
  if (old.length) await bucket.delete(old);
  return old.length;
}
