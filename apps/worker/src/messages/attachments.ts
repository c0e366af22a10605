import type { tables } from "@switchboard/schemas";
import { commsError, commsValidationError } from "../http/comms/errors";

type MessageFile = NonNullable<(typeof tables.messages.$inferSelect)["files"]>[number];

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

/** Checks count, size and type before anything is stored; answers the first problem found clearly. */
export async function acceptFiles(files: File[]): Promise<AcceptedFile[]> {
  if (files.length > ATTACHMENT_LIMITS.maxFiles) {
    throw commsError(413, `Too many files: at most ${ATTACHMENT_LIMITS.maxFiles} per message (got ${files.length})`);
  }
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (total > ATTACHMENT_LIMITS.maxTotalBytes) {
    throw commsError(413, `Files too large: at most ${ATTACHMENT_LIMITS.maxTotalBytes} bytes in all per message (got ${total})`);
  }
  const accepted: AcceptedFile[] = [];
  for (const [index, file] of files.entries()) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.length === 0) {
      throw commsValidationError([{ loc: ["body", "files", index], msg: "Value error, the file is empty", type: "value_error" }]);
    }
    const contentType = sniffType(bytes);
    if (!contentType) {
      throw commsError(415, `Unsupported file type for ${safeName(file.name, index)}: send ${ACCEPTED_TYPES.join(", ")}`);
    }
    accepted.push({ name: safeName(file.name, index), contentType, bytes });
  }
  return accepted;
}

/** A file name fit for a Content-Disposition header: no paths, quotes or control characters. */
export function safeName(name: string | undefined, index: number): string {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";
  const cleaned = base.replace(/[^\w.\- ]+/g, "_").trim().slice(0, 100);
  return cleaned || `file-${index + 1}`;
}

/** Puts the files in R2. Keys are random: a link names a file, never a tenant or message. */
export async function storeFiles(bucket: R2Bucket, tenantId: string, messageId: string, files: AcceptedFile[]): Promise<MessageFile[]> {
  return Promise.all(
    files.map(async (file) => {
      const id = crypto.randomUUID();
      const key = `files/${id}`;
      await bucket.put(key, file.bytes, {
        httpMetadata: { contentType: file.contentType, contentDisposition: `inline; filename="${file.name}"` },
        customMetadata: { tenantId, messageId },
      });
      return { id, key, name: file.name, contentType: file.contentType, size: file.bytes.length };
    }),
  );
}

export async function deleteFiles(bucket: R2Bucket, files: readonly MessageFile[]): Promise<void> {
  if (files.length) await bucket.delete(files.map((f) => f.key));
}
