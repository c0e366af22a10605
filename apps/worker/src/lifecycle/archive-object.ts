/*
 * Archive objects in R2: `archive/<tenant>/<YYYY-MM-DD>.ndjson.gz`, gzipped NDJSON, one line per
 * record `{"kind":"call","id":"…","row":{…}}` where `row` is the D1 row as stored (snake_case
 * columns, JSON columns as text). Lines are sorted by kind and id, so writing the same records
 * again writes the same bytes: a re-run after a crash merges into the object without duplicates.
 */

export type ArchiveKind =
  | "call"
  | "call_event"
  | "call_option"
  | "message"
  | "message_send"
  | "message_send_attempt"
  | "webhook_delivery"
  | "webhook_attempt"
  | "webhook_event"
  | "audit_event";

export type ArchiveRow = Record<string, unknown>;

export interface ArchiveRecord {
  kind: ArchiveKind;
  id: string;
  row: ArchiveRow;
}

/** Records by `kind:id`. */
export type ArchiveContents = Map<string, ArchiveRecord>;

/** The bucket operations the archive uses (an R2 bucket; tests wrap it to inject faults). */
export type ArchiveBucket = Pick<R2Bucket, "get" | "put" | "head" | "delete" | "list">;

export const DAY_MS = 86_400_000;

export function archiveKey(tenantId: string, day: string): string {
  return `archive/${tenantId}/${day}.ndjson.gz`;
}

/** UTC day of an epoch-ms time. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

export function recordKey(kind: ArchiveKind, id: string): string {
  return `${kind}:${id}`;
}

export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzip(body: ReadableStream): Promise<string> {
  return new Response(body.pipeThrough(new DecompressionStream("gzip"))).text();
}

export function parseNdjson(text: string): ArchiveContents {
  const contents: ArchiveContents = new Map();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const record = JSON.parse(line) as ArchiveRecord;
    contents.set(recordKey(record.kind, record.id), record);
  }
  return contents;
}

export function toNdjson(contents: ArchiveContents): string {
  const keys = [...contents.keys()].sort();
  return keys.map((k) => JSON.stringify(contents.get(k))).join("\n") + (keys.length ? "\n" : "");
}

/** The object's records and its etag; empty with a null etag when there is none. */
export async function readArchive(bucket: ArchiveBucket, key: string): Promise<{ contents: ArchiveContents; etag: string | null }> {
  const object = await bucket.get(key);
  if (!object) return { contents: new Map(), etag: null };
  return { contents: parseNdjson(await gunzip(object.body)), etag: object.etag };
}

/**
 * Writes the object, only over the version read (`etag`), so a writer that raced this one is never
 * silently overwritten. Returns the new etag; throws when the object changed meanwhile.
 */
export async function writeArchive(bucket: ArchiveBucket, key: string, contents: ArchiveContents, etag: string | null): Promise<string> {
  const body = await gzip(toNdjson(contents));
  const written = await bucket.put(key, body, {
    httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
    customMetadata: { records: String(contents.size) },
    ...(etag ? { onlyIf: { etagMatches: etag } } : {}),
  });
  if (!written) throw new Error(`archive object ${key} changed while it was being written`);
  return written.etag;
}

/**
 * Reads the object back and checks it holds every record given, as given: only then may those
 * rows leave D1.
 */
export async function verifyArchive(bucket: ArchiveBucket, key: string, records: readonly ArchiveRecord[]): Promise<number> {
  const { contents } = await readArchive(bucket, key);
  for (const record of records) {
    const stored = contents.get(recordKey(record.kind, record.id));
    if (!stored || JSON.stringify(stored.row) !== JSON.stringify(record.row)) {
      throw new Error(`archive object ${key} is missing ${record.kind} ${record.id}`);
    }
  }
  return contents.size;
}

/** PHI columns of each kind, and what they become when purged or erased. */
const PHI: Partial<Record<ArchiveKind, Record<string, unknown>>> = {
  call: { transcript: null, final_report: null, patient: null },
  message: { content: null, files: null },
};

/** What erasing a patient also takes out: the numbers and what the clinic attached to the call. */
const ERASED: Partial<Record<ArchiveKind, Record<string, unknown>>> = {
  call: { transcript: null, final_report: null, phone_number: "", client_metadata: null, recording_url: null, patient: null },
  message: { content: null, files: null, to_number: null, from_number: null },
};

/** R2 keys of a message row's attachments. */
export function fileKeysOf(row: ArchiveRow): string[] {
  if (typeof row.files !== "string") return [];
  try {
    const files = JSON.parse(row.files) as { key?: string }[];
    return files.map((f) => f.key).filter((k): k is string => typeof k === "string");
  } catch {
    return [];
  }
}

/**
 * A record with its PHI columns cleared (transcripts, reports, message bodies and attachments); for
 * a webhook event, the text a `message.received` carried.
 */
export function withoutPhi(record: ArchiveRecord, erase = false): ArchiveRecord {
  if (record.kind === "webhook_event") return { ...record, row: { ...record.row, payload: payloadWithoutPhi(record.row.payload) } };
  const cleared = (erase ? ERASED : PHI)[record.kind];
  return cleared ? { ...record, row: { ...record.row, ...cleared } } : record;
}

/** The one event whose payload carries PHI is `message.received` (the patient's text): its `data.content` goes. */
export const EVENT_PHI_SQL = `json_set(payload, '$.data.content', NULL)`;

function payloadWithoutPhi(payload: unknown): unknown {
  if (typeof payload !== "string") return payload;
  try {
    const event = JSON.parse(payload) as { type?: string; data?: Record<string, unknown> };
    if (event.type !== "message.received" || !event.data || event.data.content == null) return payload;
    return JSON.stringify({ ...event, data: { ...event.data, content: null } });
  } catch {
    return payload;
  }
}
