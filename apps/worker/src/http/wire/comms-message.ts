import type { CommsMessage, MessageStatus, MessageType } from "@switchboard/schemas";
import type { Db } from "../../lib/db";
import { iso } from "../../lib/time";
import { signedFileUrl } from "../../messages/file-links";
import type { MessageRow } from "../../messages/store";
import { getPatient } from "../../patients/store";
import { patientAsUser, staffUserToWire, staffUsersByIds } from "../../users/store";

/*
 * The /comms Message object: answered by /comms send-message and by /api/v1/chats/{id}/messages.
 */

export interface LinkSigner {
  baseUrl: string;
  secret: string;
  /** Who the links are handed to: the reading API key's id (the audit trail names it for each use). */
  issuedTo: string;
}

/**
 * Messages as the /comms Message object. Senders are read once per page: staff users for outbound
 * messages, the chat's patient for inbound ones. Attachments become fresh signed links.
 */
export async function messagesToWire(db: Db, tenantId: string, rows: MessageRow[], signer: LinkSigner | null): Promise<CommsMessage[]> {
  const staffIds = rows.filter((r) => r.direction === "OUTBOUND").map((r) => r.senderId);
  const inboundPatientIds = [...new Set(rows.filter((r) => r.direction === "INBOUND").map((r) => r.senderId))];
  const [staff, patients] = await Promise.all([
    staffUsersByIds(db, tenantId, staffIds),
    Promise.all(inboundPatientIds.map(async (id) => [id, await getPatient(db, tenantId, id)] as const)),
  ]);
  const patientById = new Map(patients);
  return Promise.all(
    rows.map(async (row) => {
      const staffUser = row.direction === "OUTBOUND" ? staff.get(row.senderId) : undefined;
      const sender = staffUser ? staffUserToWire(staffUser) : patientAsUser(row.senderId, patientById.get(row.senderId), row.fromNumber);
      const files =
        row.files?.length && signer
          ? await Promise.all(row.files.map((f) => signedFileUrl(signer.baseUrl, signer.secret, { tenantId, fileId: f.id, issuedTo: signer.issuedTo })))
          : [];
      return {
        id: row.id,
        chatId: row.chatId,
        // A text the contact policy holds back is stored CREATED (so the sweep hands it over when its time comes): it reads as SCHEDULED.
        status: row.status === "CREATED" && row.policyDecision === "defer" ? "SCHEDULED" : (row.status as MessageStatus),
        sender,
        createdDate: iso(row.createdAt),
        messageUid: row.messageUid,
        content: row.content,
        errorMessage: row.errorMessage,
        sendoMessageId: row.providerMessageId,
        functionCall: {},
        files,
        suggestedMessages: [],
        toolCalls: [],
        eventId: row.eventId,
        type: (row.type as MessageType | null) ?? null,
      };
    }),
  );
}
