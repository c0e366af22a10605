import { NOT_YET } from "./schema";

/** VoIPbin's timestamp format: `YYYY-MM-DD HH:MM:SS.ffffff`, UTC; `9999-01-01 00:00:00.000000` for what has not happened. */
export function voipbinTime(ms: number | null): string {
  if (ms === null) return NOT_YET;
  return `${new Date(ms).toISOString().slice(0, 23).replace("T", " ")}000`;
}

/**
 * The list cursor. It is a VoIPbin timestamp (as VoIPbin's own are: the last item's tm_create), so
 * clients that log or compare it see what they expect. Switchboard times are milliseconds; the
 * digits after them count the items at that very millisecond already returned, so calls created
 * in the same millisecond are neither skipped nor repeated.
 */
export interface Cursor {
  /** created_at of the last item returned */
  at: number;
  /** items with exactly that created_at already returned */
  seen: number;
}

const TOKEN = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})\.(\d{3})(\d{3}|\d{6})Z?$/;

export function encodeCursor(cursor: Cursor): string {
  const base = new Date(cursor.at).toISOString().slice(0, 23).replace("T", " ");
  return `${base}${String(cursor.seen).padStart(cursor.seen > 999 ? 6 : 3, "0")}`;
}

export function decodeCursor(token: string): Cursor | null {
  const match = TOKEN.exec(token);
  if (!match) return null;
  const at = Date.parse(`${match[1]}T${match[2]}.${match[3]}Z`);
  if (!Number.isFinite(at)) return null;
  return { at, seen: Number(match[4]) };
}
