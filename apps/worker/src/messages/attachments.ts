import type { tables } from "@switchboard/schemas";
import { DomainError } from "../errors";
import { ACCEPTED_TYPES, ATTACHMENT_LIMITS, safeName, sniffType, type AcceptedFile } from "../sms/media";

type MessageFile = NonNullable<(typeof tables.messages.$inferSelect)["files"]>[number];

/** Checks count, size and type before anything is stored; answers the first problem found clearly. */
export async function acceptFiles(files: File[]): Promise<AcceptedFile[]> {
  if (files.length > ATTACHMENT_LIMITS.maxFiles) {
    throw new DomainError("ATTACHMENTS_TOO_LARGE", `Too many files: at most ${ATTACHMENT_LIMITS.maxFiles} per message (got ${files.length})`);
  }
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (total > ATTACHMENT_LIMITS.maxTotalBytes) {
    throw new DomainError("ATTACHMENTS_TOO_LARGE", `Files too large: at most ${ATTACHMENT_LIMITS.maxTotalBytes} bytes in all per message (got ${total})`);
  }
  const accepted: AcceptedFile[] = [];
  for (const [index, file] of files.entries()) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.length === 0) {
      throw new DomainError("INVALID_INPUT", "the file is empty", { field: ["files", index] });
    }
    const contentType = sniffType(bytes);
    if (!contentType) {
      throw new DomainError("UNSUPPORTED_FILE_TYPE", `Unsupported file type for ${safeName(file.name, index)}: send ${ACCEPTED_TYPES.join(", ")}`);
    }
    accepted.push({ name: safeName(file.name, index), contentType, bytes });
  }
  return accepted;
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
