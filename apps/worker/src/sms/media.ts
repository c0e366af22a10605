/* What an MMS can carry: limits, and types recognized by their bytes. Shared by texts we send and texts we receive. */

/** MMS limits (Twilio: at most 10 media and 5 MB per message). */
export const ATTACHMENT_LIMITS = { maxFiles: 10, maxTotalBytes: 5 * 1024 * 1024 } as const;

/** Types an MMS can carry to every US carrier, recognized by their first bytes, never by the name or declared type. */
const SIGNATURES: { type: string; matches: (b: Uint8Array) => boolean }[] = [
  { type: "image/jpeg", matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: "image/png", matches: (b) => ascii(b, 0, 8) === "\x89PNG\r\n\x1a\n" },
  { type: "image/gif", matches: (b) => ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a" },
  { type: "application/pdf", matches: (b) => ascii(b, 0, 5) === "%PDF-" },
];
export const ACCEPTED_TYPES = SIGNATURES.map((s) => s.type);

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

export function sniffType(bytes: Uint8Array): string | null {
  return SIGNATURES.find((s) => s.matches(bytes))?.type ?? null;
}

export interface AcceptedFile {
  name: string;
  contentType: string;
  bytes: Uint8Array;
}

/** A file name fit for a Content-Disposition header: no paths, quotes or control characters. */
export function safeName(name: string | undefined, index: number): string {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";
  const cleaned = base.replace(/[^\w.\- ]+/g, "_").trim().slice(0, 100);
  return cleaned || `file-${index + 1}`;
}
