/**
 * The dispatcher's own SQLite tables (Durable Object storage; every call here is synchronous, so a
 * method that only touches them is atomic).
 *
 * `entries` holds one row per call the dispatcher knows: `waiting` for a line (FIFO by `seq`, not
 * before `eligible_at`, which folds in retry spacing and the calling window) or `live` (holding a
 * line; `starting` until its call object has answered the start, so a start granted and never
 * made, whatever died meanwhile, is made on the next alarm). A row is deleted when its call leaves
 * the line for good.
 * `releases` holds one row per scheduled campaign being moved into the queue page by page.
 * `canceled_campaigns` remembers cancellations, for calls of theirs that come back for a retry.
 * `paused_campaigns` holds the campaigns whose calls keep their place in line but get no line.
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
    CREATE TABLE IF NOT EXISTS paused_campaigns (campaign_id TEXT PRIMARY KEY, paused_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `);
  // Columns added after the first release: where the patient is and who dials, for the calling hours.
  const columns = new Set(sql.exec<{ name: string }>("PRAGMA table_info(entries)").toArray().map((c) => c.name));
  if (!columns.has("us_state")) sql.exec("ALTER TABLE entries ADD COLUMN us_state TEXT");
  if (!columns.has("provider")) sql.exec("ALTER TABLE entries ADD COLUMN provider TEXT");
  // Every line granted before this column existed had its start made in the same invocation.
  if (!columns.has("starting")) sql.exec("ALTER TABLE entries ADD COLUMN starting INTEGER NOT NULL DEFAULT 0");
}

export type EntryState = "waiting" | "live";

export type Entry = {
  call_id: string;
  seq: number;
  campaign_id: string | null;
  attempt: number;
  timezone: string | null;
  state: EntryState;
  /** The patient's US state, for its calling hours (null: the strictest state's). */
  us_state: string | null;
  /** Who dials, as the contact policy sees it (null: entries from before; a vendor's hours apply). */
  provider: string | null;
  not_before: number;
  eligible_at: number;
  granted_at: number | null;
  audit_at: number | null;
  /** Its campaign was canceled: it needs a line only to be refused, whatever the hour. */
  canceling: number;
  /** 1 while a live entry's start is still to be made (granted; its call object has not answered). */
  starting: number;
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
export function addWaiting(
  sql: SqlStorage,
  call: { callId: string; campaignId: string | null; timezone: string | null; state?: string | null; provider?: string | null; attempt: number; notBefore: number },
): boolean {
  if (getEntry(sql, call.callId)) return false;
  sql.exec(
    `INSERT INTO entries (call_id, seq, campaign_id, attempt, timezone, us_state, provider, state, not_before, eligible_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?)`,
    call.callId,
    nextSeq(sql),
    call.campaignId,
    call.attempt,
    call.timezone,
    call.state ?? null,
    call.provider ?? null,
    call.notBefore,
    call.notBefore,
  );
  return true;
}

/**
 * Adds first attempts in the given order, skipping calls the dispatcher already knows; one
 * statement for any number. Each waits until its own `notBefore` (a time the contact policy set), else `notBefore`.
 */
export function addManyWaiting(
  sql: SqlStorage,
  calls: readonly { callId: string; campaignId: string | null; timezone: string | null; state?: string | null; provider?: string; notBefore?: number | null }[],
  notBefore: number,
) {
  if (calls.length === 0) return;
  const base = Number(getMeta(sql, "seq") ?? "0");
  sql.exec(
    `INSERT INTO entries (call_id, seq, campaign_id, attempt, timezone, us_state, provider, state, not_before, eligible_at)
     SELECT json_extract(value, '$.callId'), ?1 + key + 1, json_extract(value, '$.campaignId'), 1, json_extract(value, '$.timezone'),
            json_extract(value, '$.state'), json_extract(value, '$.provider'),
            'waiting', coalesce(json_extract(value, '$.notBefore'), ?2), coalesce(json_extract(value, '$.notBefore'), ?2)
       FROM json_each(?3) WHERE true
     ON CONFLICT (call_id) DO NOTHING`,
    base,
    notBefore,
    JSON.stringify(calls),
  );
  setMeta(sql, "seq", String(base + calls.length));
}

/** Waiting calls of a paused campaign get no line (those being canceled still go through, to be refused). */
const NOT_PAUSED = "(canceling = 1 OR campaign_id IS NULL OR campaign_id NOT IN (SELECT campaign_id FROM paused_campaigns))";

/** Waiting calls that may be due at `now`, oldest first. */
export function dueWaiting(sql: SqlStorage, now: number, limit: number): Entry[] {
  return sql
    .exec<Entry>(`SELECT * FROM entries WHERE state = 'waiting' AND eligible_at <= ? AND ${NOT_PAUSED} ORDER BY seq LIMIT ?`, now, limit)
    .toArray();
}

/** Gives the call a line; its start is still to be made (`startingEntries`). */
export function markLive(sql: SqlStorage, callId: string, now: number, auditAt: number) {
  sql.exec("UPDATE entries SET state = 'live', starting = 1, granted_at = ?, audit_at = ? WHERE call_id = ?", now, auditAt, callId);
}

/** Calls given a line whose start is still to be made, those granted first first. */
export function startingEntries(sql: SqlStorage, limit: number): Entry[] {
  return sql.exec<Entry>("SELECT * FROM entries WHERE state = 'live' AND starting = 1 ORDER BY granted_at, seq LIMIT ?", limit).toArray();
}

/** The call object answered the start of `attempt`: the call is on its line. */
export function markStarted(sql: SqlStorage, callId: string, attempt: number) {
  sql.exec("UPDATE entries SET starting = 0 WHERE call_id = ? AND state = 'live' AND attempt = ?", callId, attempt);
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
    `UPDATE entries SET state = 'waiting', starting = 0, attempt = ?, seq = ?, not_before = ?, eligible_at = ?, granted_at = NULL, audit_at = NULL
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
  return sql.exec<{ t: number | null }>(`SELECT min(eligible_at) AS t FROM entries WHERE state = 'waiting' AND ${NOT_PAUSED}`).one().t;
}

/**
 * A call that got a line but did not start (the contact policy deferred it, or its campaign was
 * paused meanwhile): the line is free and the call waits again from `notBefore`, in its old place.
 */
export function putBack(sql: SqlStorage, callId: string, attempt: number, notBefore: number) {
  sql.exec(
    `UPDATE entries SET state = 'waiting', starting = 0, not_before = ?1, eligible_at = ?1, granted_at = NULL, audit_at = NULL
      WHERE call_id = ?2 AND state = 'live' AND attempt = ?3`,
    notBefore,
    callId,
    attempt,
  );
}

export function earliestAudit(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>("SELECT min(audit_at) AS t FROM entries WHERE state = 'live' AND starting = 0").one().t;
}
