/**
 * The dispatcher's own SQLite tables (Durable Object storage; every call here is synchronous, so a
 * method that only touches them is atomic).
 *
 * `entries` holds one row per call the dispatcher knows: `waiting` for a line (FIFO by `seq`, not
 * before `eligible_at`, which folds in retry spacing and the calling window) or `live` (holding a
 * line). A row is deleted when its call leaves the line for good.
 * `releases` holds one row per scheduled campaign being moved into the queue page by page.
 * `canceled_campaigns` remembers cancellations, for calls of theirs that come back for a retry.
 */
export function migrate(sql: SqlStorage) {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS entries (
      call_id TEXT PRIMARY KEY,
      seq INTEGER NOT NULL,
      campaign_id TEXT,
      attempt INTEGER NOT NULL,
      timezone TEXT,
      state TEXT NOT NULL,
      not_before INTEGER NOT NULL,
      eligible_at INTEGER NOT NULL,
      granted_at INTEGER,
      audit_at INTEGER,
      canceling INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS entries_waiting_idx ON entries (state, seq);
    CREATE INDEX IF NOT EXISTS entries_campaign_idx ON entries (campaign_id, state);
    CREATE TABLE IF NOT EXISTS releases (
      campaign_id TEXT PRIMARY KEY,
      cursor_created_at INTEGER NOT NULL,
      cursor_id TEXT NOT NULL,
      calls INTEGER NOT NULL DEFAULT 0,
      pages INTEGER NOT NULL DEFAULT 0,
      statements INTEGER NOT NULL DEFAULT 0,
      max_subrequests_per_step INTEGER NOT NULL DEFAULT 0,
      rows_read INTEGER NOT NULL DEFAULT 0,
      rows_written INTEGER NOT NULL DEFAULT 0,
      started_at INTEGER NOT NULL,
      finished_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS canceled_campaigns (campaign_id TEXT PRIMARY KEY, canceled_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `);
}

export type EntryState = "waiting" | "live";

export type Entry = {
  call_id: string;
  seq: number;
  campaign_id: string | null;
  attempt: number;
  timezone: string | null;
  state: EntryState;
  not_before: number;
  eligible_at: number;
  granted_at: number | null;
  audit_at: number | null;
  /** Its campaign was canceled: it needs a line only to be refused, whatever the hour. */
  canceling: number;
};

export type ReleaseJob = {
  campaign_id: string;
  cursor_created_at: number;
  cursor_id: string;
  calls: number;
  pages: number;
  statements: number;
  max_subrequests_per_step: number;
  rows_read: number;
  rows_written: number;
  started_at: number;
  finished_at: number | null;
};

export function getMeta(sql: SqlStorage, key: string): string | null {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
  return row?.value ?? null;
}

export function setMeta(sql: SqlStorage, key: string, value: string) {
  sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
}

/** The next FIFO position: a counter, so positions are never reused after rows are deleted. */
export function nextSeq(sql: SqlStorage): number {
  const seq = Number(getMeta(sql, "seq") ?? "0") + 1;
  setMeta(sql, "seq", String(seq));
  return seq;
}

export function liveCount(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT count(*) AS n FROM entries WHERE state = 'live'").one().n;
}

export function getEntry(sql: SqlStorage, callId: string): Entry | null {
  return sql.exec<Entry>("SELECT * FROM entries WHERE call_id = ?", callId).toArray()[0] ?? null;
}

/** Adds a waiting call unless the dispatcher already knows it (a release page read twice, a create retried). */
export function addWaiting(sql: SqlStorage, call: { callId: string; campaignId: string | null; timezone: string | null; attempt: number; notBefore: number }): boolean {
  if (getEntry(sql, call.callId)) return false;
  sql.exec(
    `INSERT INTO entries (call_id, seq, campaign_id, attempt, timezone, state, not_before, eligible_at)
     VALUES (?, ?, ?, ?, ?, 'waiting', ?, ?)`,
    call.callId,
    nextSeq(sql),
    call.campaignId,
    call.attempt,
    call.timezone,
    call.notBefore,
    call.notBefore,
  );
  return true;
}

/** Adds first attempts in the given order, skipping calls the dispatcher already knows; one statement for any number. */
export function addManyWaiting(sql: SqlStorage, calls: readonly { callId: string; campaignId: string | null; timezone: string | null }[], notBefore: number) {
  if (calls.length === 0) return;
  const base = Number(getMeta(sql, "seq") ?? "0");
  sql.exec(
    `INSERT INTO entries (call_id, seq, campaign_id, attempt, timezone, state, not_before, eligible_at)
     SELECT json_extract(value, '$.callId'), ?1 + key + 1, json_extract(value, '$.campaignId'), 1, json_extract(value, '$.timezone'),
            'waiting', ?2, ?2
       FROM json_each(?3) WHERE true
     ON CONFLICT (call_id) DO NOTHING`,
    base,
    notBefore,
    JSON.stringify(calls),
  );
  setMeta(sql, "seq", String(base + calls.length));
}

/** Waiting calls that may be due at `now`, oldest first. */
export function dueWaiting(sql: SqlStorage, now: number, limit: number): Entry[] {
  return sql
    .exec<Entry>("SELECT * FROM entries WHERE state = 'waiting' AND eligible_at <= ? ORDER BY seq LIMIT ?", now, limit)
    .toArray();
}

export function markLive(sql: SqlStorage, callId: string, now: number, auditAt: number) {
  sql.exec("UPDATE entries SET state = 'live', granted_at = ?, audit_at = ? WHERE call_id = ?", now, auditAt, callId);
}

export function deferEntry(sql: SqlStorage, callId: string, eligibleAt: number) {
  sql.exec("UPDATE entries SET eligible_at = ? WHERE call_id = ?", eligibleAt, callId);
}

/**
 * Gives a live line back and puts the call at the back of the queue for `attempt`, not before
 * `notBefore`. A call of a canceled campaign goes to the front instead, to be refused at once.
 */
export function requeue(sql: SqlStorage, callId: string, attempt: number, notBefore: number) {
  sql.exec(
    `UPDATE entries SET state = 'waiting', attempt = ?, seq = ?, not_before = ?, eligible_at = ?, granted_at = NULL, audit_at = NULL
      WHERE call_id = ?`,
    attempt,
    nextSeq(sql),
    notBefore,
    notBefore,
    callId,
  );
  sql.exec(
    `UPDATE entries SET seq = -abs(seq), not_before = 0, eligible_at = 0, canceling = 1
      WHERE call_id = ? AND campaign_id IN (SELECT campaign_id FROM canceled_campaigns)`,
    callId,
  );
}

export function earliestWaiting(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>("SELECT min(eligible_at) AS t FROM entries WHERE state = 'waiting'").one().t;
}

export function earliestAudit(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>("SELECT min(audit_at) AS t FROM entries WHERE state = 'live'").one().t;
}
